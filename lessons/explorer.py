"""The layer stack of one service, arranged for display."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import CompanyOwner, Layer, Owner, Responsibility, Service

# The layers that includes/house.html draws as parts of the house. Any other layer (and
# every duty) is drawn beside the house, so new content never drops out of the picture.
HOUSE_DRAWN = frozenset(
    ["physical", "network", "hypervisor", "operating-system", "application", "data"]
)


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

    @property
    def house_parts(self) -> list[Responsibility]:
        """Drawn parts, bottom-up: the order in which the picture paints them."""
        return [row for row in self.layers[::-1] if row.layer.slug in HOUSE_DRAWN]

    @property
    def house_side(self) -> list[Responsibility]:
        """What stands beside the house: the duties, and any layer the drawing lacks."""
        undrawn = [row for row in self.layers[::-1] if row.layer.slug not in HOUSE_DRAWN]
        return [*undrawn, *self.duties]

    @property
    def house_parts_with_company_owners(self) -> list[Responsibility]:
        return [row for row in self.house_parts if row.company_owner]

    @property
    def customer_layer_count(self) -> int:
        """Layers above the dividing line: where includes/stack.html draws it."""
        return len(self.layers) - self.aws_layer_count


def build_stack(
    service: Service,
    open_slug: str | None,
    href_for: Callable[[str], str],
    *,
    company_owners: bool = True,
) -> Stack:
    """Every responsibility of the service with its layer (one query) and, unless told
    not to, the company's own owners of its parts (row.company_owner, None on AWS's
    layers and where none is named: one query more)."""
    rows = list(Responsibility.objects.filter(service=service).select_related("layer"))
    owners = CompanyOwner.objects.for_service(service.pk) if company_owners else {}
    for row in rows:
        row.href = href_for(row.layer.slug)
        row.is_open = row.layer.slug == open_slug
        row.company_owner = None if row.owner == Owner.AWS else owners.get(row.layer_id)
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


# Captions for the service picker's groups: the three kinds of service, shortest form.
SERVICE_GROUP_CAPTIONS = {
    Service.Category.INFRASTRUCTURE: _("Infrastructure"),
    Service.Category.MANAGED: _("Managed"),
    Service.Category.ABSTRACTED: _("Abstracted"),
}


def service_links(services, stack: Stack, compare: list[Responsibility], suffix: str) -> list:
    """Services grouped by kind, each with its explorer address: [(caption, [(service, url)])].

    The open layer stays open where the service has it: `compare` is same_layer_elsewhere()
    of the open layer (empty when none is open), so switching service moves the line under
    the learner's eyes without losing their place.
    """
    having_layer = {row.service_id for row in compare}
    groups: dict[str, list] = {}
    for service in services:
        if service.pk in having_layer:
            args = [service.slug, stack.open_row.layer.slug]
            url = reverse("lessons:explorer_layer", args=args)
        else:
            url = reverse("lessons:explorer", args=[service.slug])
        groups.setdefault(service.category, []).append((service, url + suffix))
    return [(SERVICE_GROUP_CAPTIONS[category], links) for category, links in groups.items()]
