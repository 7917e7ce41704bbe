"""Read the ready-made workshop plans from YAML, check them, then upsert them.

A plan is checked against the course and the question bank as just read from their
files (lessons.loading, quiz.loading), so it can never point at a service, layer or
question that is not there, and judged by the Plan and PlanItem models' own rules.
Reading writes nothing: `load_content` reads and checks everything, then writes it in
one transaction. The format is in FORMAT.md beside the
plans.

Workshops copy a plan's items when they are created, so rewriting or removing a plan
never changes a workshop that has been run.
"""

from collections import Counter
from pathlib import Path

from lessons.loading import ALL_LAYER_SLUGS, ContentError, ContentFile, CourseContent
from lessons.models import Layer, Service
from quiz.models import Question

from .models import DEFAULT_TIME_LIMIT, ItemKind, Plan, PlanItem

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
        }
        file.check_model(Plan(**plan), data)
        plan["items"] = []
        if plan["slug"] and plan["slug"] != path.stem:
            file.error(file.line_of(data, "slug"), "slug must match the file name")
        minutes = plan["minutes"]
        if "minutes" in data and (
            isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 480
        ):
            file.error(file.line_of(data, "minutes"), "'minutes' must be a whole number, 1-480")
        for position, item in enumerate(file.mappings(data, "items"), start=1):
            kind = file.text(item, "kind")
            if kind == ItemKind.INCIDENT:
                file.error(
                    file.line_of(item, "kind"),
                    "incident cards are added on the workshop's page, not in plan files",
                )
                continue
            if kind not in ITEM_KEYS:
                file.check_model(PlanItem(position=position, kind=kind), item)  # says why
                continue
            timed = {"time_limit"} if kind == ItemKind.QUESTION else set()
            file.check_keys(item, {"kind", *ITEM_KEYS[kind]}, optional=timed)
            row = {key: file.text(item, key) for key in ITEM_KEYS[kind]}
            row["kind"] = kind
            if timed:
                row["time_limit"] = _time_limit(file, item)
            texts = {key: row.get(key, "") for key in ("title", "body")}
            timing = {"time_limit": row.get("time_limit")}
            plan_item = PlanItem(position=position, kind=kind, **texts, **timing)
            file.check_model(plan_item, item, constraints=True)
            file.known(item, "service", service_slugs, "service")
            file.known(item, "layer", ALL_LAYER_SLUGS, "layer")
            if row.get("question") and row["question"] not in question_slugs:
                file.error(
                    file.line_of(item, "question"),
                    f"no question {row['question']!r} in the question bank",
                )
            plan["items"].append(row)
        plans.append(plan)
    return plans


def _time_limit(file: ContentFile, item) -> int | None:
    """Seconds to answer a question: 20 unless the plan says; 0 means no limit (the
    model says how many seconds a limit may be)."""
    value = item.get("time_limit", DEFAULT_TIME_LIMIT)
    if isinstance(value, bool) or not isinstance(value, int):
        file.error(file.line_of(item, "time_limit"), "'time_limit' must be whole seconds")
        return None
    return value or None


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
                time_limit=item.get("time_limit"),
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
