"""'Who fixes this?' incident cards: a short real-world situation, who acts (AWS, you, or
both) and the first thing to do. Loaded from quiz/content/incidents/<slug>.yaml.

The card's answer to "who acts" must agree with the explorer: the side that owns the
card's layer on its service always acts (a shared layer means both), so a card can never
contradict the diagram.
"""

from collections import Counter
from pathlib import Path

from django.db import transaction

from lessons.loading import ALL_LAYER_SLUGS, ContentError, ContentFile, CourseContent, upsert
from lessons.models import Layer, Owner, Service

from .models import Incident, IncidentAction

# Who acts, given who owns the layer: the owner always does.
ALLOWED_WHO = {
    Owner.AWS: {Incident.Who.AWS, Incident.Who.BOTH},
    Owner.CUSTOMER: {Incident.Who.CUSTOMER, Incident.Who.BOTH},
    Owner.SHARED: {Incident.Who.BOTH},
}
KEYS = {"slug", "title", "service", "layer", "situation", "who", "who_feedback", "actions"}


def read_incidents(
    directory: Path, course: CourseContent, errors: list[ContentError]
) -> list[dict]:
    """Every card, checked; a missing folder means none."""
    cards = []
    services = {service["slug"] for service in course.services}
    for path in sorted(directory.glob("*.yaml")):
        file = ContentFile(path, errors)
        data = file.read()
        if data is None:
            continue
        file.check_keys(data, KEYS | {"sources"})
        card = {
            "slug": file.slug(data, "slug"),
            "title": file.text(data, "title"),
            "service": file.slug(data, "service"),
            "layer": file.slug(data, "layer"),
            "situation": file.text(data, "situation"),
            "who": file.text(data, "who"),
            "who_feedback": file.text(data, "who_feedback"),
            "sources": file.text_list(data, "sources", required=True),
        }
        fields = ("slug", "title", "situation", "who", "who_feedback", "sources")
        file.check_model(Incident(**{key: card[key] for key in fields}), data)
        if card["slug"] and card["slug"] != path.stem:
            file.error(file.line_of(data, "slug"), "slug must match the file name")
        if "sources" in data and not card["sources"]:
            file.error(file.line_of(data, "sources"), "cite at least one AWS page in 'sources'")
        known = file.known(data, "service", services, "service") and file.known(
            data, "layer", ALL_LAYER_SLUGS, "layer"
        )
        if known and card["service"] and card["layer"] and card["who"] in Incident.Who.values:
            owner = course.owners.get((card["service"], card["layer"]))
            if owner and card["who"] not in ALLOWED_WHO[Owner(owner)]:
                file.error(
                    file.line_of(data, "who"),
                    f"the explorer says {owner!r} owns {card['layer']!r} on "
                    f"{card['service']!r}, so 'who' must be one of "
                    f"{', '.join(sorted(ALLOWED_WHO[Owner(owner)]))}",
                )
        card["actions"] = _read_actions(file, data)
        cards.append(card)
    return cards


def _read_actions(file: ContentFile, data) -> list[dict]:
    actions = []
    for order, entry in enumerate(file.mappings(data, "actions"), start=1):
        file.check_keys(entry, {"text", "correct", "feedback"})
        correct = entry.get("correct")
        if "correct" in entry and not isinstance(correct, bool):
            file.error(file.line_of(entry, "correct"), "'correct' must be true or false")
        action = {
            "text": file.text(entry, "text"),
            "is_correct": correct is True,
            "feedback": file.text(entry, "feedback"),
            "order": order,
        }
        file.check_model(IncidentAction(**action), entry)
        actions.append(action)
    right = sum(action["is_correct"] for action in actions)
    if actions and (right != 1 or len(actions) < 2):
        file.error(
            file.line_of(data, "actions"),
            f"a card needs exactly one right first action and at least one wrong one, not "
            f"{right} right of {len(actions)}",
        )
    return actions


@transaction.atomic
def write_incidents(cards: list[dict], stats: Counter) -> None:
    """Upsert the cards by slug; cards gone from the files are retired (answers stay)."""
    services = dict(Service.objects.values_list("slug", "pk"))
    layers = dict(Layer.objects.values_list("slug", "pk"))
    existing = {incident.slug: incident for incident in Incident.objects.all()}
    actions = {}
    for action in IncidentAction.objects.all():
        actions.setdefault(action.incident_id, {})[action.order] = action
    for order, card in enumerate(cards, start=1):
        fields = {
            "slug": card["slug"],
            "title": card["title"],
            "service_id": services[card["service"]],
            "layer_id": layers[card["layer"]],
            "situation": card["situation"],
            "who": card["who"],
            "who_feedback": card["who_feedback"],
            "sources": card["sources"],
            "order": order,
            "retired": False,
        }
        incident = upsert(Incident, existing.pop(card["slug"], None), fields, stats)
        # Actions match by place: answers that named one keep it when it is reworded.
        kept = actions.get(incident.pk, {})
        for row in card["actions"]:
            upsert(
                IncidentAction, kept.pop(row["order"], None), {"incident": incident, **row}, stats
            )
        if kept:
            IncidentAction.objects.filter(pk__in=[a.pk for a in kept.values()]).delete()
            stats["removed"] += len(kept)
    stale = [incident.pk for incident in existing.values() if not incident.retired]
    stats["retired"] += Incident.objects.filter(pk__in=stale).update(retired=True)
