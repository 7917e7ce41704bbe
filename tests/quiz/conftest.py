"""Question banks and exams for the quiz tests, a clock they can move, and helpers that
answer as a learner would."""

import io
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from quiz.models import Attempt, Question, Quiz, classify_keys

KINDS = ["single", "multiple", "true_false", "classify"]
CONTENT = Path(__file__).resolve().parents[2] / "quiz" / "content"


@pytest.fixture
def content(no_course, tmp_path) -> Path:
    """A copy of the real quiz content (bank, exams, misconceptions, incidents), to break."""
    shutil.copytree(CONTENT, tmp_path / "content")
    return tmp_path / "content"


def line_of(path: Path, text: str) -> int:
    """The number of the first line of `path` that contains `text`."""
    return next(n for n, row in enumerate(path.read_text().splitlines(), 1) if text in row)


def question_yaml(
    number: int, kind: str, lesson="the-stack", step="six-layers", prefix="generated"
) -> str:
    head = f"""
  - slug: {prefix}-{number}
    kind: {kind}
    lesson: {lesson}
    step: {step}
    prompt: Generated question {number}?
    explanation: Explanation {number} for the record.
"""
    if kind == "classify":
        return (
            head + "    service: ec2\n    layers: [physical, hypervisor, operating-system, data]\n"
        )
    texts = {
        "single": [("Right", True), ("Wrong A", False), ("Wrong B", False)],
        "multiple": [("Right A", True), ("Right B", True), ("Wrong A", False), ("Wrong B", False)],
        "true_false": [("True", True), ("False", False)],
    }[kind]
    lines = ["    choices:"]
    for text, correct in texts:
        lines.append(f'      - text: "{text}"')
        lines.append(f"        correct: {str(correct).lower()}")
        lines.append(f"        feedback: Feedback on {text} in question {number}.")
    return head + "\n".join(lines) + "\n"


def write_bank(directory: Path, count: int, **where) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    body = "".join(question_yaml(n, KINDS[n % len(KINDS)], **where) for n in range(count))
    (directory / "generated.yaml").write_text("questions:" + body)
    return directory


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_content", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_bank(no_course, tmp_path):
    """Load `count` generated questions of every kind, all in the lesson "the-stack"."""

    def load_bank(count: int) -> Quiz:
        load("--questions-dir", str(write_bank(tmp_path / f"bank-{count}", count)))
        return Quiz.objects.get(slug="the-stack")

    return load_bank


EXAM_SETTINGS = {
    "slug": "test-exam",
    "title": "Test exam",
    "summary": "An exam on generated questions.",
    "question_count": 4,
    "time_limit_minutes": 30,
    "pass_mark": 75,
    "max_attempts": 3,
    "cooldown_hours": 24,
    "validity_days": 365,
    "renewal_window_days": 30,
}


def exam_yaml(**overrides) -> str:
    return "".join(f"{key}: {value}\n" for key, value in {**EXAM_SETTINGS, **overrides}.items())


@pytest.fixture
def exam_bank(no_course, tmp_path):
    """Load `questions` generated exam-only questions (lesson "the-stack"), four practice
    ones, and the exam "test-exam" drawing from the exam-only ones, with EXAM_SETTINGS
    changed by `settings`."""
    loads = iter(range(100))

    def load_exam(questions: int = 8, **settings) -> Quiz:
        root = tmp_path / f"content-{next(loads)}"
        write_bank(root / "questions", 4)  # practice questions, which no exam draws
        write_bank(root / "exam-questions", questions, prefix="exam")
        (root / "exams").mkdir()
        (root / "exams" / "test-exam.yaml").write_text(exam_yaml(**settings))
        # Exams and exam-only questions: the folders beside it.
        load("--questions-dir", str(root / "questions"))
        return Quiz.objects.select_related("exam").get(slug="test-exam")

    return load_exam


@pytest.fixture
def exam(exam_bank) -> Quiz:
    """Four questions drawn from eight; pass mark 75%: three right answers pass."""
    return exam_bank()


class Clock:
    """The time as Django's timezone.now() tells it, moved by the test."""

    def __init__(self, now):
        self.now = now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


@pytest.fixture
def attempt(small_bank, learner) -> Attempt:
    """The learner's open attempt at four generated questions, one of each kind."""
    small_bank(4)
    return start(learner)


def start(user, slug="the-stack") -> Attempt:
    attempt, _created = Attempt.objects.start(user, Quiz.objects.get(slug=slug))
    return attempt


def question_at(attempt: Attempt, position: int) -> Question:
    return attempt.question_at(position)[0]


def right_answer(question: Question) -> dict:
    """Form data with the right answer to `question`."""
    if question.is_classify:
        key = classify_keys([question])[question.pk]
        return {f"layer-{slug}": owner for slug, owner in key.items()}
    return {"choice": [c.pk for c in question.choices.all() if c.is_correct]}


def wrong_answer(question: Question) -> dict:
    """Form data with a wholly wrong answer to `question`."""
    if question.is_classify:
        key = classify_keys([question])[question.pk]
        flip = {"aws": "customer", "customer": "aws"}
        return {f"layer-{slug}": flip[owner] for slug, owner in key.items()}
    return {"choice": [c.pk for c in question.choices.all() if not c.is_correct][:1]}


def answer_right(attempt: Attempt, position: int):
    """Record the right answer at `position` as the model API takes it."""
    question = question_at(attempt, position)
    if question.is_classify:
        return attempt.record_answer(question, placements=classify_keys([question])[question.pk])
    return attempt.record_answer(question, choice_ids=right_answer(question)["choice"])


def position_of_kind(attempt: Attempt, kind: str) -> int:
    kinds = dict(Question.objects.values_list("pk", "kind"))
    return next(
        position
        for position, entry in enumerate(attempt.layout, start=1)
        if kinds[entry["question"]] == kind
    )


def kind_at(attempt: Attempt, kind: str) -> tuple[int, Question]:
    """The position of the first question of `kind` in the attempt, and the question."""
    position = position_of_kind(attempt, kind)
    return position, question_at(attempt, position)
