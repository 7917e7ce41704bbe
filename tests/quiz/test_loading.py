import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError

from lessons.models import Lesson, Responsibility
from quiz.loading import COURSE_REVIEW_SIZE, COURSE_REVIEW_SLUG
from quiz.models import Attempt, Choice, Question, Quiz

from .conftest import load, right_answer, start

# Loading is tested from an empty database, not over the course every test starts with.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_course")]
QUESTIONS = Path(__file__).resolve().parents[2] / "quiz" / "content" / "questions"
LESSONS = Path(__file__).resolve().parents[2] / "lessons" / "content"


@pytest.fixture
def bank_copy(tmp_path):
    target = tmp_path / "questions"
    shutil.copytree(QUESTIONS, target)
    # The loader reads the misconceptions beside the questions folder; choices name them.
    shutil.copy(QUESTIONS.parent / "misconceptions.yaml", tmp_path)
    return target


@pytest.fixture
def lessons_copy(tmp_path):
    target = tmp_path / "lessons"
    shutil.copytree(LESSONS, target)
    return target


def replace_in(path: Path, old: str, new: str, count=1):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def line_of(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and text in line)


def test_the_bank_has_eight_questions_a_lesson_of_every_kind_in_a_quiz_per_lesson():
    output = load()
    assert "0 retired" in output
    assert Question.objects.count() >= 125
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert kinds == {"single", "multiple", "true_false", "classify"}
    lessons = Lesson.objects.all()
    for lesson in lessons:
        quiz = Quiz.objects.get(slug=lesson.slug)
        assert quiz.mode == Quiz.Mode.PRACTICE
        assert quiz.lesson == lesson
        practice = Question.objects.for_practice().filter(lesson=lesson)
        assert set(quiz.questions.all()) == set(practice)
        assert quiz.questions.count() >= 8, f"{lesson.slug} has too few practice questions"
    review = Quiz.objects.get(slug=COURSE_REVIEW_SLUG)
    assert review.question_count == COURSE_REVIEW_SIZE
    assert review.questions.count() == Question.objects.for_practice().count()
    assert Quiz.objects.filter(mode=Quiz.Mode.PRACTICE).count() == lessons.count() + 1


def test_every_classify_question_asks_only_about_layers_aws_or_the_customer_owns():
    load()
    for question in Question.objects.filter(kind="classify"):
        owners = Responsibility.objects.filter(
            service=question.service, layer__slug__in=question.classify_layers
        ).values_list("owner", flat=True)
        assert len(owners) == len(question.classify_layers)
        assert set(owners) <= {"aws", "customer"}


def test_loading_twice_changes_nothing():
    load()
    before = list(Question.objects.values().order_by("pk")), list(Choice.objects.values())
    output = load()
    assert "0 created, 0 updated" in output.splitlines()[1]
    assert (list(Question.objects.values().order_by("pk")), list(Choice.objects.values())) == (
        before
    )


def test_a_dry_run_loads_nothing():
    output = load("--dry-run")
    assert "Would load" in output
    assert not Question.objects.exists()


BROKEN = [
    # (file, text to find, replacement, message), the error on the line of the found text
    ("patching.yaml", "kind: single", "kind: essay", "kind: Value 'essay' is not a valid choice."),
    ("patching.yaml", "lesson: patching", "lesson: patchin", "unknown lesson 'patchin'"),
    (
        "patching.yaml",
        "step: aws-can-notify",
        "step: aws-can-nudge",
        "lesson 'patching' has no step 'aws-can-nudge'",
    ),
    ("patching.yaml", "service: ec2", "service: ec9", "unknown service 'ec9'"),
    ("patching.yaml", "layer: operating-system", "layer: kernel", "unknown layer 'kernel'"),
    ("patching.yaml", "prompt:", "promt:", "unknown key 'promt'"),
    ("patching.yaml", "correct: false", "correct: maybe", "'correct' must be true or false"),
    ("the-stack.yaml", 'text: "True"', "text: True", 'write "True" and "False" in quotes'),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), BROKEN)
def test_a_broken_question_names_file_line_and_reason_and_loads_nothing(
    bank_copy, name, old, new, message
):
    path = bank_copy / name
    expected_line = line_of(path, old)
    replace_in(path, old, new)
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(bank_copy))
    assert f"{path}:{expected_line}: {message}" in str(error.value)
    assert "nothing was loaded" in str(error.value)
    assert not Question.objects.exists()
    assert not Lesson.objects.exists()


def first_question_of_kind(path: Path, kind: str) -> tuple[int, int]:
    """(line of the question's `kind`, line of its `choices`)."""
    kind_line = line_of(path, f"kind: {kind}")
    return kind_line, line_of(path, "choices:", after=kind_line)


def test_a_single_choice_question_needs_exactly_one_correct_choice(bank_copy):
    path = bank_copy / "patching.yaml"
    _kind, choices = first_question_of_kind(path, "single")
    replace_in(path, "correct: false", "correct: true")
    with pytest.raises(
        CommandError, match=rf"{path}:{choices}: .*exactly one correct choice, not 2"
    ):
        load("--questions-dir", str(bank_copy))


def test_a_true_false_question_offers_true_and_false(bank_copy):
    path = bank_copy / "the-stack.yaml"
    _kind, choices = first_question_of_kind(path, "true_false")
    replace_in(path, 'text: "False"', 'text: "Nope"')
    with pytest.raises(CommandError, match=rf'{path}:{choices}: .*exactly two choices, "True"'):
        load("--questions-dir", str(bank_copy))


def test_a_multiple_select_question_needs_a_wrong_choice(bank_copy):
    path = bank_copy / "two-owners-one-house.yaml"
    kind, choices = first_question_of_kind(path, "multiple")
    text = path.read_text().splitlines(keepends=True)
    rest = "".join(text[kind:]).replace("correct: false", "correct: true")
    path.write_text("".join(text[:kind]) + rest)
    with pytest.raises(CommandError, match=rf"{path}:{choices}: .*one correct and one wrong"):
        load("--questions-dir", str(bank_copy))


def test_every_wrong_choice_needs_feedback(bank_copy):
    path = bank_copy / "patching.yaml"
    lines = path.read_text().splitlines(keepends=True)
    # The first wrong choice whose feedback follows `correct: false` directly (others carry
    # a misconception tag in between); 0-based index of the next line = its line number.
    wrong = next(
        n
        for n, line in enumerate(lines, 1)
        if "correct: false" in line and "feedback:" in lines[n]
    )
    feedback = wrong
    end = next(i for i in range(feedback + 1, len(lines)) if "- text:" in lines[i])
    path.write_text("".join(lines[:feedback] + lines[end:]))
    with pytest.raises(
        CommandError, match=rf"{path}:{wrong - 1}: a wrong choice needs 'feedback'"
    ):
        load("--questions-dir", str(bank_copy))


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        # RDS's database engine is shared: AWS supplies and patches it, you choose versions.
        ("application", "layer 'application' is shared"),
        ("roof", "unknown layer 'roof'"),
    ],
)
def test_a_classify_question_asks_only_about_known_layers_with_one_owner(
    bank_copy, layer, message
):
    path = bank_copy / "the-line-moves.yaml"
    line = line_of(
        path, "layers: [physical, network, hypervisor, operating-system, data, identity"
    )
    replace_in(path, "operating-system, data, identity", f"{layer}, data, identity")
    with pytest.raises(CommandError, match=rf"{path}:{line}: {message}"):
        load("--questions-dir", str(bank_copy))


def test_a_question_slug_is_unique_across_files(bank_copy):
    first = bank_copy / "patching.yaml"
    slug = first.read_text().split("- slug: ")[1].split()[0]
    other = bank_copy / "the-stack.yaml"
    other_slug = other.read_text().split("- slug: ")[1].split()[0]
    line = line_of(other, f"slug: {other_slug}")
    replace_in(other, f"slug: {other_slug}", f"slug: {slug}")
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(bank_copy))
    assert f"{other}:{line}: question slug {slug!r} is already used at {first}:" in str(
        error.value
    )


def test_questions_must_match_the_course_read_with_them(bank_copy, lessons_copy):
    """A step renamed in the lessons breaks the questions that cite it, in one report."""
    replace_in(
        lessons_copy / "lessons" / "04-patching.yaml", "slug: aws-can-notify", "slug: notify"
    )
    with pytest.raises(CommandError, match="has no step 'aws-can-notify'"):
        load("--lessons-dir", str(lessons_copy), "--questions-dir", str(bank_copy))


def test_a_removed_question_is_retired_and_its_attempts_stay_reviewable(
    bank_copy, learner, client
):
    load("--questions-dir", str(bank_copy))
    attempt = start(learner, "patching")
    question, _choices = attempt.question_at(1)
    attempt.record_answer(question, choice_ids=right_answer(question)["choice"])
    attempt.submit()

    path = bank_copy / "patching.yaml"
    text = path.read_text()
    start_at = text.index(f"  - slug: {question.slug}\n")
    end_at = text.find("\n  - slug: ", start_at + 1)
    path.write_text(text[:start_at] + (text[end_at + 1 :] if end_at != -1 else ""))
    output = load("--questions-dir", str(bank_copy))

    assert "1 retired" in output
    question.refresh_from_db()
    assert question.retired
    assert question not in Quiz.objects.get(slug="patching").questions.all()
    assert question not in Quiz.objects.get(slug=COURSE_REVIEW_SLUG).questions.all()
    client.force_login(learner)
    response = client.get(attempt.get_review_url())
    assert response.status_code == 200
    assert question.prompt[:40] in response.text
    new_attempt = start(learner, "patching")
    assert question.pk not in [entry["question"] for entry in new_attempt.layout]

    path.write_text(text)
    load("--questions-dir", str(bank_copy))
    question.refresh_from_db()
    assert not question.retired
    assert Attempt.objects.filter(pk=attempt.pk).exists()


def test_an_edited_question_keeps_its_row_and_a_reworded_choice_keeps_its_row(bank_copy):
    load("--questions-dir", str(bank_copy))
    question = Question.objects.get(slug="ec2-os-patching-owner")
    choices = list(question.choices.values_list("pk", "text"))
    path = bank_copy / "patching.yaml"
    replace_in(path, "What can AWS do about it", "What may AWS do about it")
    replace_in(path, f"text: {choices[1][1]}", "text: A reworded choice.")
    output = load("--questions-dir", str(bank_copy))
    assert "0 created, 2 updated" in output.splitlines()[1]
    question.refresh_from_db()
    assert "What may AWS do" in question.prompt
    assert list(question.choices.values_list("pk", "text")) == [
        choices[0],
        (choices[1][0], "A reworded choice."),
        *choices[2:],
    ]


def test_the_classify_key_follows_the_services_responsibilities(learner):
    """The key is read from the explorer's data, so the two can never disagree."""
    load()
    attempt = start(learner, "the-line-moves")
    position = next(
        position
        for position in range(1, attempt.question_total + 1)
        if attempt.question_at(position)[0].slug == "sort-the-s3-stack"
    )
    question = attempt.question_at(position)[0]
    Responsibility.objects.filter(service__slug="s3", layer__slug="data").update(owner="aws")
    answer, _created = attempt.record_answer(
        question, placements=dict.fromkeys(question.classify_layers, "aws")
    )
    assert answer.score == 1
