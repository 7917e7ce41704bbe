"""Read the question bank and the exams from YAML, check them against the course, then
upsert them.

Reading needs the course as just read from its files (lessons.loading.CourseContent), so
a question can never point at a lesson, step, service or layer that is not there. The
rules are those of lessons/content/FORMAT.md; each record is also judged by its model
(ContentFile.check_model). Like the course, reading writes nothing: `load_content`
reads and checks everything, then writes it in one transaction.

Writing derives the practice quizzes: one per lesson (slug = the lesson's slug) and the
course review. Each exam file makes an exam quiz whose questions are its pool. Questions
and quizzes gone from the files are retired, never deleted, so old attempts stay
reviewable and old certificates verifiable.
"""

from collections import Counter
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from lessons.loading import ALL_LAYER_SLUGS, ContentError, ContentFile, CourseContent, upsert
from lessons.models import Course, Layer, Lesson, Owner, Service, Step

from .models import Choice, ExamSettings, Misconception, Question, Quiz

COURSE_REVIEW_SLUG = "course-review"
COURSE_REVIEW_TITLE = "Course review"
COURSE_REVIEW_SIZE = 12
COURSE_REVIEW_SUMMARY = (
    f"{COURSE_REVIEW_SIZE} questions drawn afresh from every lesson at each start."
)
COMMON_KEYS = {"slug", "kind", "lesson", "step", "prompt", "explanation"}
TRUE_FALSE_TEXTS = ["True", "False"]
# The exam's settings; their ranges are ExamSettings' (and Quiz.question_count's) rules.
EXAM_NUMBERS = (
    "question_count",
    "time_limit_minutes",
    "pass_mark",
    "max_attempts",
    "cooldown_hours",
    "validity_days",
    "renewal_window_days",
)
POOL_KEYS = {"lessons", "services", "layers"}


def read_misconceptions(
    path: Path, course: CourseContent, errors: list[ContentError]
) -> list[dict]:
    """quiz/content/misconceptions.yaml: each wrong idea, once, with the step that corrects
    it. A missing file means none (a question file may then tag no choice)."""
    if not path.exists():
        return []
    file = ContentFile(path, errors)
    data = file.read()
    if data is None:
        return []
    file.check_keys(data, {"misconceptions"})
    rows, first_seen = [], {}
    for order, item in enumerate(file.mappings(data, "misconceptions"), start=1):
        file.check_keys(item, {"slug", "statement", "lesson", "step"})
        row = {
            "slug": file.slug(item, "slug"),
            "statement": file.text(item, "statement"),
            "lesson": file.slug(item, "lesson"),
            "step": file.slug(item, "step"),
            "order": order,
        }
        file.check_model(Misconception(slug=row["slug"], statement=row["statement"]), item)
        line = file.line_of(item, "slug")
        if row["slug"] in first_seen:
            file.error(
                line,
                f"misconception {row['slug']!r} is already defined at line "
                f"{first_seen[row['slug']]}",
            )
        elif row["slug"]:
            first_seen[row["slug"]] = line
        course.check_step(file, item)
        rows.append(row)
    return rows


@transaction.atomic
def write_misconceptions(rows: list[dict], stats: Counter) -> None:
    """Upsert the misconceptions; one gone from the file is deleted (its tags with it)."""
    steps = {
        (step.lesson.slug, step.slug): step.pk for step in Step.objects.select_related("lesson")
    }
    existing = {m.slug: m for m in Misconception.objects.all()}
    for row in rows:
        fields = {
            "slug": row["slug"],
            "statement": row["statement"],
            "step_id": steps[(row["lesson"], row["step"])],
            "order": row["order"],
        }
        upsert(Misconception, existing.pop(row["slug"], None), fields, stats)
    if existing:
        Misconception.objects.filter(pk__in=[m.pk for m in existing.values()]).delete()
        stats["removed"] += len(existing)


def read_bank(
    directory: Path,
    exam_directory: Path,
    course: CourseContent,
    errors: list[ContentError],
    misconceptions: list[dict] = (),
) -> list[dict]:
    """The practice questions, then the exam-only ones; slugs are unique across both.

    Exam-only questions (`exam_only: True`) are written in exactly the practice format.
    A missing exam-questions folder means none; exams then have nothing to draw.
    """
    first_seen = {}
    tags = {row["slug"] for row in misconceptions}
    practice = read_questions(directory, course, errors, first_seen=first_seen, tags=tags)
    exam_only = []
    if exam_directory.is_dir():
        exam_only = read_questions(
            exam_directory, course, errors, exam_only=True, first_seen=first_seen, tags=tags
        )
    return practice + exam_only


def read_questions(
    directory: Path,
    course: CourseContent,
    errors: list[ContentError],
    *,
    exam_only: bool = False,
    first_seen: dict | None = None,
    tags: set[str] = frozenset(),
) -> list[dict]:
    paths = sorted(directory.glob("*.yaml"))
    if not paths and not exam_only:
        errors.append(ContentError(directory, 0, "no question files"))
    questions = []
    first_seen = {} if first_seen is None else first_seen
    for path in paths:
        file = ContentFile(path, errors)
        data = file.read()
        if data is None:
            continue
        file.check_keys(data, {"questions"}, {"sources"})
        file.text_list(data, "sources")
        for item in file.mappings(data, "questions"):
            question = _read_question(file, item, course, tags)
            question["exam_only"] = exam_only
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


def _read_question(file: ContentFile, item, course: CourseContent, tags: set[str]) -> dict:
    kind = file.text(item, "kind")
    if kind == Question.Kind.CLASSIFY:
        file.check_keys(item, {*COMMON_KEYS, "service", "layers"})
    else:
        file.check_keys(item, {*COMMON_KEYS, "choices"}, {"service", "layer"})
    question = {
        "slug": file.slug(item, "slug"),
        "kind": kind,
        "lesson": file.slug(item, "lesson"),
        "step": file.slug(item, "step"),
        "service": file.slug(item, "service"),
        "layer": file.slug(item, "layer"),
        "prompt": file.text(item, "prompt"),
        "explanation": file.text(item, "explanation"),
        "classify_layers": [],
        "choices": [],
    }
    fields = ("slug", "kind", "prompt", "explanation")
    file.check_model(Question(**{key: question[key] for key in fields}), item)
    course.check_step(file, item)
    file.known(item, "service", {service["slug"] for service in course.services}, "service")
    file.known(item, "layer", ALL_LAYER_SLUGS, "layer")
    if kind == Question.Kind.CLASSIFY:
        question["classify_layers"] = _read_classify_layers(file, item, question, course)
    elif kind:
        question["choices"] = _read_choices(file, item, kind, tags)
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
        if slug not in ALL_LAYER_SLUGS:
            file.error(line, f"unknown layer {slug!r}")
        elif owner == Owner.SHARED:
            file.error(
                line,
                f"layer {slug!r} is shared on {service!r}: classify only asks about layers "
                "owned by aws or customer",
            )
    return layers


def _read_choices(file, item, kind, tags: set[str]) -> list[dict]:
    choices = []
    for order, entry in enumerate(file.mappings(item, "choices"), start=1):
        file.check_keys(entry, {"text", "correct"}, {"feedback", "misconception"})
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
            "feedback": file.text(entry, "feedback"),
            "order": order,
        }
        file.check_model(Choice(**choice), entry, {"is_correct": "correct"})
        choice["misconception"] = file.slug(entry, "misconception")
        if not choice["feedback"] and correct is not True:
            file.error(file.line_of(entry, "feedback"), "a wrong choice needs 'feedback'")
        tag_line = file.line_of(entry, "misconception")
        if choice["misconception"] and correct is True:
            file.error(tag_line, "only a wrong choice can carry a misconception")
        elif choice["misconception"] and choice["misconception"] not in tags:
            file.error(
                tag_line,
                f"unknown misconception {choice['misconception']!r} "
                "(define it in quiz/content/misconceptions.yaml)",
            )
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
    tags = dict(Misconception.objects.values_list("slug", "pk"))
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
            "exam_only": row["exam_only"],
        }
        question = upsert(Question, existing.get(row["slug"]), fields, stats)
        rows = [
            {
                **{k: v for k, v in choice.items() if k != "misconception"},
                "misconception_id": tags.get(choice["misconception"]),
            }
            for choice in row["choices"]
        ]
        _write_choices(question, rows, choices.get(question.pk, {}), stats)
        saved.append(question)
    stats["retired"] += (
        Question.objects.filter(retired=False)
        .exclude(pk__in=[q.pk for q in saved])
        .update(retired=True)
    )
    _write_quizzes(lessons.values(), [q for q in saved if not q.exam_only], stats)


def _write_choices(question, rows, existing: dict, stats: Counter) -> None:
    """Choices match by text, else by place: a reworded choice keeps its row, so old
    answers that picked it still show it. One removed from the file is deleted."""
    texts = {row["text"] for row in rows}
    reworded = {choice.order: choice for choice in existing.values() if choice.text not in texts}
    for row in rows:
        choice = existing.pop(row["text"], None) or reworded.pop(row["order"], None)
        if choice is not None:
            existing.pop(choice.text, None)
        upsert(Choice, choice, {"question_id": question.pk, **row}, stats)
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
    practice = Quiz.objects.filter(mode=Quiz.Mode.PRACTICE).prefetch_related("questions")
    existing = {quiz.slug: quiz for quiz in practice}
    for fields, members in plans:
        before = existing.pop(fields["slug"], None)
        quiz = upsert(Quiz, before, fields, stats)
        if before is None:
            quiz.questions.set(members)
        elif {q.pk for q in quiz.questions.all()} != {q.pk for q in members}:
            quiz.questions.set(members)
            stats["updated"] += 1
    stale = [quiz.pk for quiz in existing.values() if not quiz.retired]
    stats["retired"] += Quiz.objects.filter(pk__in=stale).update(retired=True)


def read_exams(directory: Path, course: CourseContent, questions: list[dict], errors) -> list:
    """Each exam file: its settings, checked, and the slugs of the questions in its pool.

    A missing folder means no exams. The pool is drawn from the exam-only questions of
    `questions`, the bank as just read, so "20 questions drawn" is checked against the
    pool those files make.
    """
    exams = []
    taken = {COURSE_REVIEW_SLUG} | {lesson["slug"] for lesson in course.lessons}
    for path in sorted(directory.glob("*.yaml")):
        file = ContentFile(path, errors)
        data = file.read()
        if data is None:
            continue
        file.check_keys(data, {"slug", "title", "summary", *EXAM_NUMBERS}, {"pool"})
        exam = {
            "slug": file.slug(data, "slug"),
            "title": file.text(data, "title"),
            "summary": file.text(data, "summary"),
            **{key: _whole_number(file, data, key) for key in EXAM_NUMBERS},
        }
        quiz_fields = ("slug", "title", "summary", "question_count")
        file.check_model(
            Quiz(mode=Quiz.Mode.EXAM, **{key: exam[key] for key in quiz_fields}), data
        )
        settings = ExamSettings(**{key: exam[key] for key in EXAM_NUMBERS[1:]})
        file.check_model(settings, data, constraints=True)
        if exam["slug"] and exam["slug"] != path.stem:
            file.error(file.line_of(data, "slug"), "slug must match the file name")
        elif exam["slug"] in taken:
            file.error(
                file.line_of(data, "slug"),
                f"slug {exam['slug']!r} is already a practice quiz's (a lesson or the review)",
            )
        exam["pool"] = _read_pool(file, data, course, questions)
        drawn = exam["question_count"]
        if drawn is not None and not 1 <= drawn <= len(exam["pool"]):
            file.error(
                file.line_of(data, "question_count"),
                f"draws {drawn} questions but its pool holds {len(exam['pool'])} "
                "exam-only questions (quiz/content/exam-questions)",
            )
        exams.append(exam)
    return exams


def _whole_number(file: ContentFile, data, key: str) -> int | None:
    value = data.get(key)
    # YAML reads `yes` as True, and bool is an int in Python: refuse it here.
    if isinstance(value, bool) or not isinstance(value, int):
        if key in data:
            file.error(file.line_of(data, key), f"{key!r} must be a whole number")
        return None
    return value


def _read_pool(file: ContentFile, data, course: CourseContent, questions) -> list[str]:
    """Slugs of the exam-only questions in the pool: any of a listed lesson, or about a
    listed service or layer. Without `pool`, every exam-only question. Practice
    questions are never in a pool: their answers are shown, so they would prove memory."""
    questions = [question for question in questions if question["exam_only"]]
    pool = data.get("pool")
    if pool is None:
        return [question["slug"] for question in questions]
    line = file.line_of(data, "pool")
    if not isinstance(pool, dict) or not pool:
        file.error(line, "'pool' needs lessons, services or layers, each a list of slugs")
        return []
    file.check_keys(pool, set(), POOL_KEYS)
    known = {
        "lessons": {lesson["slug"] for lesson in course.lessons},
        "services": {service["slug"] for service in course.services},
        "layers": set(ALL_LAYER_SLUGS),
    }
    wanted = {}
    for key in sorted(POOL_KEYS & pool.keys()):
        wanted[key] = set(file.text_list(pool, key, required=True))
        for slug in sorted(wanted[key] - known[key]):
            file.error(file.line_of(pool, key), f"unknown {key[:-1]} {slug!r}")
    return [
        question["slug"]
        for question in questions
        if question["lesson"] in wanted.get("lessons", ())
        or question["service"] in wanted.get("services", ())
        or question["layer"] in wanted.get("layers", ())
    ]


@transaction.atomic
def write_exams(exams: list[dict], course_slug: str, stats: Counter) -> None:
    """Upsert each exam quiz, its settings and its pool; retire exams gone from the files.

    Run after write_questions, so every pool question exists.
    """
    course = Course.objects.get(slug=course_slug)
    questions = dict(Question.objects.filter(retired=False).values_list("slug", "pk"))
    existing = {
        quiz.slug: quiz
        for quiz in Quiz.objects.filter(mode=Quiz.Mode.EXAM)
        .select_related("exam")
        .prefetch_related("questions")
    }
    # Listed after every practice quiz: the exam is where the course ends.
    after = Quiz.objects.filter(mode=Quiz.Mode.PRACTICE).aggregate(last=Max("order"))["last"]
    for order, exam in enumerate(exams, start=(after or 0) + 1):
        before = existing.pop(exam["slug"], None)
        quiz = upsert(
            Quiz,
            before,
            {
                "slug": exam["slug"],
                "title": exam["title"],
                "summary": exam["summary"],
                "mode": Quiz.Mode.EXAM,
                "lesson_id": None,
                "question_count": exam["question_count"],
                "order": order,
                "retired": False,
            },
            stats,
        )
        upsert(
            ExamSettings,
            getattr(before, "exam", None),
            {
                "quiz_id": quiz.pk,
                "course_id": course.pk,
                **{key: exam[key] for key in EXAM_NUMBERS[1:]},
            },
            stats,
        )
        pool = {questions[slug] for slug in exam["pool"]}
        if before is None or {q.pk for q in quiz.questions.all()} != pool:
            quiz.questions.set(pool)
            stats["updated"] += before is not None
    stale = [quiz.pk for quiz in existing.values() if not quiz.retired]
    stats["retired"] += Quiz.objects.filter(pk__in=stale).update(retired=True)
