"""Read the question bank from YAML, check it against the course, then upsert it.

Reading needs the course as just read from its files (lessons.loading.CourseContent), so
a question can never point at a lesson, step, service or layer that is not there. The
rules are those of lessons/content/FORMAT.md. Like the course, reading touches no
database: `load_content` reads and checks everything, then writes it in one transaction.

Writing derives the practice quizzes: one per lesson (slug = the lesson's slug) and the
course review. Questions and quizzes gone from the files are retired, never deleted, so
old attempts stay reviewable.
"""

from collections import Counter
from pathlib import Path

from django.db import transaction

from lessons.loading import DUTY_SLUGS, LAYER_SLUGS, ContentError, ContentFile, CourseContent
from lessons.models import Layer, Lesson, Owner, Service, Step

from .models import Choice, Question, Quiz

COURSE_REVIEW_SLUG = "course-review"
COURSE_REVIEW_TITLE = "Course review"
COURSE_REVIEW_SIZE = 12
COURSE_REVIEW_SUMMARY = (
    f"{COURSE_REVIEW_SIZE} questions drawn afresh from every lesson at each start."
)
COMMON_KEYS = {"slug", "kind", "lesson", "step", "prompt", "explanation"}
TRUE_FALSE_TEXTS = ["True", "False"]


def read_questions(
    directory: Path, course: CourseContent, errors: list[ContentError]
) -> list[dict]:
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        errors.append(ContentError(directory, 0, "no question files"))
    questions = []
    first_seen = {}
    for path in paths:
        file = ContentFile(path, errors)
        data = file.read()
        if data is None:
            continue
        file.check_keys(data, {"questions"}, {"sources"})
        file.text_list(data, "sources")
        for item in file.mappings(data, "questions"):
            question = _read_question(file, item, course)
            slug = question["slug"]
            if slug in first_seen:
                file.error(
                    file.line_of(item, "slug"),
                    f"question slug {slug!r} is already used at {first_seen[slug]}",
                )
            elif slug:
                first_seen[slug] = f"{path}:{file.line_of(item, 'slug')}"
            questions.append(question)
    return questions


def _read_question(file: ContentFile, item, course: CourseContent) -> dict:
    kind = file.choice(item, "kind", Question.Kind.values)
    if kind == Question.Kind.CLASSIFY:
        file.check_keys(item, {*COMMON_KEYS, "service", "layers"})
    else:
        file.check_keys(item, {*COMMON_KEYS, "choices"}, {"service", "layer"})
    question = {
        "slug": file.slug(item, "slug"),
        "kind": kind,
        "lesson": file.slug(item, "lesson"),
        "step": file.slug(item, "step"),
        "service": file.slug(item, "service", required=False),
        "layer": file.slug(item, "layer", required=False),
        "prompt": file.text(item, "prompt"),
        "explanation": file.text(item, "explanation"),
        "classify_layers": [],
        "choices": [],
    }
    lessons = {lesson["slug"] for lesson in course.lessons}
    if question["lesson"] and question["lesson"] not in lessons:
        file.error(file.line_of(item, "lesson"), f"unknown lesson {question['lesson']!r}")
    elif question["step"] and question["step"] not in course.step_slugs(question["lesson"]):
        file.error(
            file.line_of(item, "step"),
            f"lesson {question['lesson']!r} has no step {question['step']!r}",
        )
    services = {service["slug"] for service in course.services}
    if question["service"] and question["service"] not in services:
        file.error(file.line_of(item, "service"), f"unknown service {question['service']!r}")
    if question["layer"] and question["layer"] not in [*LAYER_SLUGS, *DUTY_SLUGS]:
        file.error(file.line_of(item, "layer"), f"unknown layer {question['layer']!r}")
    if kind == Question.Kind.CLASSIFY:
        question["classify_layers"] = _read_classify_layers(file, item, question, course)
    elif kind:
        question["choices"] = _read_choices(file, item, kind)
    return question


def _read_classify_layers(file, item, question, course) -> list[str]:
    line = file.line_of(item, "layers")
    layers = file.text_list(item, "layers", required=True)
    if not layers and "layers" in item:
        file.error(line, "'layers' must list at least one layer")
    service = question["service"]
    owners = course.owners
    for slug in {s for s in layers if layers.count(s) > 1}:
        file.error(line, f"layer {slug!r} is listed twice")
    for slug in layers:
        owner = owners.get((service, slug))
        if slug not in [*LAYER_SLUGS, *DUTY_SLUGS]:
            file.error(line, f"unknown layer {slug!r}")
        elif owner == Owner.SHARED:
            file.error(
                line,
                f"layer {slug!r} is shared on {service!r}: classify only asks about layers "
                "owned by aws or customer",
            )
    return layers


def _read_choices(file, item, kind) -> list[dict]:
    choices = []
    for order, entry in enumerate(file.mappings(item, "choices"), start=1):
        file.check_keys(entry, {"text", "correct"}, {"feedback"})
        if isinstance(entry.get("text"), bool):
            file.error(
                file.line_of(entry, "text"),
                'write "True" and "False" in quotes: unquoted, YAML reads them as yes/no',
            )
            continue
        correct = entry.get("correct")
        if "correct" in entry and not isinstance(correct, bool):
            file.error(file.line_of(entry, "correct"), "'correct' must be true or false")
        choice = {
            "text": file.text(entry, "text"),
            "is_correct": correct is True,
            "feedback": file.text(entry, "feedback", required=correct is not True),
            "order": order,
        }
        if choice["text"] in {c["text"] for c in choices}:
            file.error(file.line_of(entry, "text"), f"choice {choice['text']!r} appears twice")
        choices.append(choice)
    if choices:
        _check_key(file, file.line_of(item, "choices"), kind, choices)
    return choices


def _check_key(file, line, kind, choices):
    right = sum(choice["is_correct"] for choice in choices)
    wrong = len(choices) - right
    if kind == Question.Kind.TRUE_FALSE:
        if sorted(choice["text"] for choice in choices) != sorted(TRUE_FALSE_TEXTS):
            file.error(line, 'a true/false question has exactly two choices, "True" and "False"')
        elif right != 1:
            file.error(line, "a true/false question needs exactly one correct choice")
    elif kind == Question.Kind.SINGLE:
        if right != 1:
            file.error(
                line, f"a single-choice question needs exactly one correct choice, not {right}"
            )
        if wrong < 1:
            file.error(line, "a single-choice question needs at least one wrong choice")
    elif kind == Question.Kind.MULTIPLE and (right < 1 or wrong < 1):
        file.error(
            line, "a multiple-select question needs at least one correct and one wrong choice"
        )


@transaction.atomic
def write_questions(questions: list[dict], stats: Counter) -> None:
    """Upsert the bank and its practice quizzes; run after the course is written."""
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.all()}
    steps = {(s.lesson_id, s.slug): s.pk for s in Step.objects.all()}
    services = dict(Service.objects.values_list("slug", "pk"))
    layers = dict(Layer.objects.values_list("slug", "pk"))
    existing = {question.slug: question for question in Question.objects.all()}
    choices = {}
    for choice in Choice.objects.all():
        choices.setdefault(choice.question_id, {})[choice.text] = choice
    saved = []
    for order, row in enumerate(questions, start=1):
        lesson = lessons[row["lesson"]]
        fields = {
            "slug": row["slug"],
            "kind": row["kind"],
            "lesson_id": lesson.pk,
            "step_id": steps[(lesson.pk, row["step"])],
            "service_id": services.get(row["service"]),
            "layer_id": layers.get(row["layer"]),
            "prompt": row["prompt"],
            "explanation": row["explanation"],
            "classify_layers": row["classify_layers"],
            "order": order,
            "retired": False,
        }
        question = _upsert(Question, existing.get(row["slug"]), fields, stats)
        _write_choices(question, row["choices"], choices.get(question.pk, {}), stats)
        saved.append(question)
    stats["retired"] += (
        Question.objects.filter(retired=False)
        .exclude(pk__in=[q.pk for q in saved])
        .update(retired=True)
    )
    _write_quizzes(lessons.values(), saved, stats)


def _upsert(model, obj, fields: dict, stats: Counter):
    if obj is None:
        stats["created"] += 1
        return model.objects.create(**fields)
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, fields[name])
        obj.save(update_fields=changed)
        stats["updated"] += 1
    else:
        stats["unchanged"] += 1
    return obj


def _write_choices(question, rows, existing: dict, stats: Counter) -> None:
    """Choices match by text, else by place: a reworded choice keeps its row, so old
    answers that picked it still show it. One removed from the file is deleted."""
    texts = {row["text"] for row in rows}
    reworded = {choice.order: choice for choice in existing.values() if choice.text not in texts}
    for row in rows:
        choice = existing.pop(row["text"], None) or reworded.pop(row["order"], None)
        if choice is not None:
            existing.pop(choice.text, None)
        _upsert(Choice, choice, {"question_id": question.pk, **row}, stats)
    if existing:
        Choice.objects.filter(pk__in=[choice.pk for choice in existing.values()]).delete()
        stats["removed"] += len(existing)


def _write_quizzes(lessons, questions, stats: Counter) -> None:
    plans = [
        (
            {
                "slug": lesson.slug,
                "title": lesson.title,
                "summary": lesson.summary,
                "lesson_id": lesson.pk,
                "question_count": None,
                "order": lesson.order,
                "retired": False,
            },
            [q for q in questions if q.lesson_id == lesson.pk],
        )
        for lesson in lessons
    ]
    plans.append(
        (
            {
                "slug": COURSE_REVIEW_SLUG,
                "title": COURSE_REVIEW_TITLE,
                "summary": COURSE_REVIEW_SUMMARY,
                "lesson_id": None,
                "question_count": COURSE_REVIEW_SIZE,
                "order": max((lesson.order for lesson in lessons), default=0) + 1,
                "retired": False,
            },
            questions,
        )
    )
    existing = {quiz.slug: quiz for quiz in Quiz.objects.prefetch_related("questions")}
    for fields, members in plans:
        before = existing.pop(fields["slug"], None)
        quiz = _upsert(Quiz, before, fields, stats)
        if before is None:
            quiz.questions.set(members)
        elif {q.pk for q in quiz.questions.all()} != {q.pk for q in members}:
            quiz.questions.set(members)
            stats["updated"] += 1
    stale = [quiz.pk for quiz in existing.values() if not quiz.retired]
    stats["retired"] += Quiz.objects.filter(pk__in=stale).update(retired=True)
