"""The layer stack of one service, arranged for display."""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Layer, Owner, Responsibility, Service


@dataclass
class Stack:
    service: Service
    layers: list[Responsibility]  # top (data) to bottom (physical), as drawn
    duties: list[Responsibility]
    open_row: Responsibility | None
    aws_layer_count: int  # layers from the bottom that AWS secures alone

    @property
    def line_after_index(self) -> int:
        """Position in `layers` (top-down) after which the dividing line is drawn."""
        return len(self.layers) - self.aws_layer_count - 1

    @property
    def rows(self) -> list[Responsibility]:
        return [*self.layers, *self.duties]


def build_stack(service: Service, open_slug: str | None, href_for: Callable[[str], str]) -> Stack:
    """One query: every responsibility of the service with its layer."""
    rows = list(Responsibility.objects.filter(service=service).select_related("layer"))
    for row in rows:
        row.href = href_for(row.layer.slug)
        row.is_open = row.layer.slug == open_slug
    layers = [row for row in rows if row.layer.kind == Layer.Kind.LAYER]
    duties = [row for row in rows if row.layer.kind == Layer.Kind.DUTY]
    aws_count = 0
    for row in layers:  # bottom-up, as ordered
        if row.owner != Owner.AWS:
            break
        aws_count += 1
    open_row = next((row for row in rows if row.is_open), None)
    return Stack(service, layers[::-1], duties, open_row, aws_count)


def same_layer_elsewhere(row: Responsibility) -> list[Responsibility]:
    """Who owns this layer on every service: the line moving, in one query."""
    return list(Responsibility.objects.filter(layer_id=row.layer_id).select_related("service"))
