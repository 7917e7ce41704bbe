"""Read the ready-made workshop plans from YAML, check them, then upsert them.

A plan is checked against the course and the question bank as just read from their
files (lessons.loading, quiz.loading), so it can never point at a service, layer or
question that is not there. Reading touches no database: `load_content` reads and checks
everything, then writes it in one transaction. The format is in FORMAT.md beside the
plans.

Workshops copy a plan's items when they are created, so rewriting or removing a plan
never changes a workshop that has been run.
"""

from collections import Counter
from pathlib import Path

from lessons.loading import DUTY_SLUGS, LAYER_SLUGS, ContentError, ContentFile, CourseContent
from lessons.models import Layer, Service
from quiz.models import Question

from .models import ItemKind, Plan, PlanItem

ITEM_KEYS = {
    ItemKind.SLIDE: {"title", "body"},
    ItemKind.LAYER: {"service", "layer"},
    ItemKind.QUESTION: {"question"},
}


def read_plans(
    directory: Path, course: CourseContent, questions: list[dict], errors: list[ContentError]
) -> list[dict]:
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        errors.append(ContentError(directory, 0, "no plan files"))
    question_slugs = {question["slug"] for question in questions}
    service_slugs = {service["slug"] for service in course.services}
    plans = []
    for path in paths:
        file = ContentFile(path, errors)
        data = file.read()
        if data is None:
            continue
        file.check_keys(data, {"slug", "title", "summary", "minutes", "items"})
        plan = {
            "slug": file.slug(data, "slug"),
            "title": file.text(data, "title"),
            "summary": file.text(data, "summary"),
            "minutes": data.get("minutes"),
            "items": [],
        }
        if plan["slug"] and plan["slug"] != path.stem:
            file.error(file.line_of(data, "slug"), "slug must match the file name")
        minutes = plan["minutes"]
        if "minutes" in data and (
            isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 480
        ):
            file.error(file.line_of(data, "minutes"), "'minutes' must be a whole number, 1-480")
        for item in file.mappings(data, "items"):
            kind = file.choice(item, "kind", ItemKind.values)
            if kind not in ITEM_KEYS:
                continue
            file.check_keys(item, {"kind", *ITEM_KEYS[kind]})
            row = {key: file.text(item, key) for key in ITEM_KEYS[kind]}
            row["kind"] = kind
            if row.get("service") and row["service"] not in service_slugs:
                file.error(file.line_of(item, "service"), f"unknown service {row['service']!r}")
            if row.get("layer") and row["layer"] not in [*LAYER_SLUGS, *DUTY_SLUGS]:
                file.error(file.line_of(item, "layer"), f"unknown layer {row['layer']!r}")
            if row.get("question") and row["question"] not in question_slugs:
                file.error(
                    file.line_of(item, "question"),
                    f"no question {row['question']!r} in the question bank",
                )
            plan["items"].append(row)
        plans.append(plan)
    return plans


def write_plans(plans: list[dict], stats: Counter) -> None:
    """Upsert the plans and their items; run after the course and the bank are written."""
    services = dict(Service.objects.values_list("slug", "pk"))
    layers = dict(Layer.objects.values_list("slug", "pk"))
    questions = dict(Question.objects.values_list("slug", "pk"))
    existing = {plan.slug: plan for plan in Plan.objects.prefetch_related("items")}
    for row in plans:
        fields = {"title": row["title"], "summary": row["summary"], "minutes": row["minutes"]}
        items = [
            PlanItem(
                position=position,
                kind=item["kind"],
                title=item.get("title", ""),
                body=item.get("body", ""),
                service_id=services.get(item.get("service")),
                layer_id=layers.get(item.get("layer")),
                question_id=questions.get(item.get("question")),
            )
            for position, item in enumerate(row["items"], start=1)
        ]
        plan = existing.pop(row["slug"], None)
        if plan is None:
            plan = Plan.objects.create(slug=row["slug"], **fields)
            stats["created"] += 1
        elif fields != {name: getattr(plan, name) for name in fields} or [
            item.content() for item in plan.items.all()
        ] != [item.content() for item in items]:
            for name, value in fields.items():
                setattr(plan, name, value)
            plan.save()
            plan.items.all().delete()
            stats["updated"] += 1
        else:
            stats["unchanged"] += 1
            continue
        for item in items:
            item.plan = plan
        PlanItem.objects.bulk_create(items)
    if existing:
        Plan.objects.filter(pk__in=[plan.pk for plan in existing.values()]).delete()
        stats["removed"] += len(existing)
