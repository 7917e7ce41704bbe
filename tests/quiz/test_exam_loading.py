"""Exams as content: quiz/content/exams/<slug>.yaml, checked with file and line."""

from pathlib import Path

import pytest
from django.core.management import CommandError

from quiz.models import ExamSettings, Question, Quiz

from .conftest import EXAM_SETTINGS, exam_yaml, load, write_bank

# Loading is tested from an empty database, not over the course every test starts with.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_course")]


def load_from(content: Path) -> str:
    return load("--questions-dir", str(content / "questions"))


def test_the_shipped_exam_draws_twenty_from_the_exam_only_questions_with_the_chosen_rules():
    output = load()
    assert "Loaded 1 exam(s): 2 created" in output.splitlines()[2]
    exam = Quiz.objects.select_related("exam").get(slug="shared-responsibility-certificate")
    assert (exam.mode, exam.title, exam.question_count) == (
        Quiz.Mode.EXAM,
        "Shared responsibility certificate",
        20,
    )
    assert set(exam.questions.all()) == set(Question.objects.filter(exam_only=True))
    assert exam.questions.count() >= 20
    settings = exam.exam
    assert (
        settings.time_limit_minutes,
        settings.pass_mark,
        settings.max_attempts,
        settings.cooldown_hours,
        settings.validity_days,
        settings.renewal_window_days,
    ) == (30, 80, 3, 24, 365, 30)
    assert settings.course.slug == "shared-responsibility"
    practice = Quiz.objects.filter(mode=Quiz.Mode.PRACTICE).values_list("order", flat=True)
    assert exam.order > max(practice)  # listed after the practice quizzes
    assert "0 created, 0 updated, 2 unchanged" in load().splitlines()[2]


def test_a_pool_takes_questions_by_lesson_service_or_layer(content):
    exam = content / "exams" / "shared-responsibility-certificate.yaml"
    exam.write_text(
        exam.read_text().replace(
            "question_count: 20",
            "pool:\n  lessons: [patching]\n  services: [s3]\n  layers: [encryption]\n"
            "question_count: 4",
        )
    )
    load_from(content)
    pool = set(Quiz.objects.get(slug="shared-responsibility-certificate").questions.all())
    exam_only = Question.objects.filter(exam_only=True)
    expected = (
        set(exam_only.filter(lesson__slug="patching"))
        | set(exam_only.filter(service__slug="s3"))
        | set(exam_only.filter(layer__slug="encryption"))
    )
    assert pool == expected
    assert len(pool) < exam_only.count()


def test_an_exam_edited_in_the_file_updates_its_settings_and_one_removed_is_retired(content):
    load_from(content)
    exam = content / "exams" / "shared-responsibility-certificate.yaml"
    exam.write_text(exam.read_text().replace("pass_mark: 80", "pass_mark: 85"))
    output = load_from(content)
    assert "0 created, 1 updated" in output.splitlines()[2]
    assert ExamSettings.objects.get().pass_mark == 85
    exam.unlink()
    assert "1 retired" in load_from(content).splitlines()[2]
    assert Quiz.objects.get(slug="shared-responsibility-certificate").retired
    # The practice quizzes are untouched by the exams, and the other way round.
    assert not Quiz.objects.filter(mode=Quiz.Mode.PRACTICE, retired=True).exists()


# (a line of the valid file, what replaces it, the reason; the error's line starts "at")
BROKEN = [
    # ExamSettings' own rules: a field's at its line, a rule across fields at the file's top.
    ("pass_mark: 75", "pass_mark: 0", "The pass mark is a percent from 1 to 100."),
    ("pass_mark: 75", "pass_mark: 101", "The pass mark is a percent from 1 to 100."),
    ("pass_mark: 75", "pass_mark: yes", "'pass_mark' must be a whole number"),
    ("time_limit_minutes: 30", "time_limit_minutes: 0", "The time limit, the attempts and"),
    ("time_limit_minutes: 30", "time_limit_minutes: -5", "time_limit_minutes: Ensure this"),
    ("time_limit_minutes: 30", "time_limit_minutes: 1/2 h", "'time_limit_minutes' must be a"),
    ("max_attempts: 3", "max_attempts: 0", "The time limit, the attempts and the validity must"),
    ("cooldown_hours: 24", "cooldown_hours: -1", "cooldown_hours: Ensure this value is greater"),
    ("validity_days: 365", "validity_days: 0", "The time limit, the attempts and the validity"),
    ("renewal_window_days: 30", "renewal_window_days: 400", "Make the renewal window shorter"),
    ("title: Test exam", f"title: {'x' * 201}", "title: Ensure this value has at most 200"),
    ("question_count: 4", "question_count: 0", "draws 0 questions but its pool holds 8"),
    ("question_count: 4", "question_count: 9", "draws 9 questions but its pool holds 8"),
    ("question_count: 4", "pool:\n  services: [ec2]\nquestion_count: 4", "draws 4 questions"),
    ("question_count: 4", "pool:\n  lessons: [nowhere]\nquestion_count: 4", "unknown lesson"),
    ("question_count: 4", "pool:\n  tags: [x]\nquestion_count: 4", "unknown key 'tags'"),
    ("question_count: 4", "pool: everything\nquestion_count: 4", "'pool' needs lessons"),
    ("slug: test-exam", "slug: other-exam", "slug must match the file name"),
    ("title: Test exam", "titel: Test exam", "unknown key 'titel'"),
]
# Where the error points when it is not the replaced line's first line.
AT = {
    "The pass mark is a percent from 1 to 100.": "slug",
    "The time limit, the attempts and": "slug",
    "The time limit, the attempts and the validity must": "slug",
    "The time limit, the attempts and the validity": "slug",
    "Make the renewal window shorter": "slug",
    "draws 4 questions": "question_count",
    "unknown lesson": "  lessons",
    "unknown key 'tags'": "  tags",
}


@pytest.mark.parametrize(("old", "new", "message"), BROKEN)
def test_a_broken_exam_names_file_line_and_reason_and_loads_nothing(tmp_path, old, new, message):
    write_bank(tmp_path / "questions", 2)
    write_bank(tmp_path / "exam-questions", 8, prefix="exam")
    (tmp_path / "exams").mkdir()
    path = tmp_path / "exams" / "test-exam.yaml"
    text = exam_yaml().replace(old, new)
    at = AT.get(message, new.split(":")[0])
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith(at))
    path.write_text(text)
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(tmp_path / "questions"))
    assert f"{path}:{line}: {message}" in str(error.value)
    assert not Quiz.objects.exists()


def test_an_exam_may_not_take_a_practice_quizs_slug(tmp_path):
    write_bank(tmp_path / "questions", 2)
    write_bank(tmp_path / "exam-questions", 8, prefix="exam")
    (tmp_path / "exams").mkdir()
    path = tmp_path / "exams" / "the-stack.yaml"
    path.write_text(exam_yaml(slug="the-stack"))
    with pytest.raises(CommandError, match=rf"{path}:1: slug 'the-stack' is already a practice"):
        load("--questions-dir", str(tmp_path / "questions"))


def test_exams_come_from_the_folder_beside_the_questions_or_the_one_given(tmp_path):
    write_bank(tmp_path / "questions", 2)
    write_bank(tmp_path / "exam-questions", 8, prefix="exam")
    load("--questions-dir", str(tmp_path / "questions"))
    assert not Quiz.objects.filter(mode=Quiz.Mode.EXAM).exists()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "test-exam.yaml").write_text(exam_yaml())
    questions = str(tmp_path / "questions")
    load("--questions-dir", questions, "--exams-dir", str(tmp_path / "elsewhere"))
    assert Quiz.objects.get(mode=Quiz.Mode.EXAM).slug == EXAM_SETTINGS["slug"]
