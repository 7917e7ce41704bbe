import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lessons.loading import DUTY_SLUGS, LAYER_SLUGS
from lessons.models import Layer, Lesson, Responsibility, Service, Step

# Loading is tested from an empty database, not over the course every test starts with.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_course")]
CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"
# The seven core lessons, then logging and detection, incidents, compliance evidence and
# resilience.
COURSE_LESSONS = 11
# The real question bank cites every step; these tests edit steps, so they load one
# question about a step that they leave alone.
ONE_QUESTION = """questions:
  - slug: one-question
    kind: true_false
    lesson: two-owners-one-house
    step: who-is-responsible
    prompt: Prompt.
    explanation: Explanation.
    choices:
      - text: "True"
        correct: true
      - text: "False"
        correct: false
        feedback: Feedback.
"""


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "one.yaml").write_text(ONE_QUESTION)
    return target


def load(directory=None):
    out = io.StringIO()
    args = []
    if directory:
        args = [
            "--lessons-dir",
            str(directory),
            "--questions-dir",
            str(directory.parent / "questions"),
        ]
    call_command("load_content", *args, stdout=out)
    return out.getvalue()


def replace_in(path: Path, old: str, new: str):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_loading_the_course_creates_every_lesson_step_and_layer():
    output = load()
    assert f"Loaded {COURSE_LESSONS} lessons, 11 services" in output
    assert Lesson.objects.count() == COURSE_LESSONS
    assert Step.objects.count() >= COURSE_LESSONS * 3
    assert Layer.objects.count() == len(LAYER_SLUGS) + len(DUTY_SLUGS)
    assert Service.objects.count() == 11


def test_loading_twice_changes_nothing():
    load()
    before = list(Step.objects.values().order_by("pk"))
    output = load()
    assert "0 created, 0 updated" in output
    assert "0 removed" in output
    assert list(Step.objects.values().order_by("pk")) == before


def test_every_layer_of_every_service_has_exactly_one_owner_with_reasons():
    load()
    for service in Service.objects.all():
        rows = list(Responsibility.objects.filter(service=service))
        assert sorted(row.layer.slug for row in rows) == sorted(LAYER_SLUGS + DUTY_SLUGS)
        for row in rows:
            assert row.owner in {"aws", "customer", "shared"}
            assert len(row.why) > 40, f"{service.slug}/{row.layer.slug} needs a real reason"
            assert row.customer_does.strip()


def test_an_edited_step_is_updated_in_place_and_a_removed_one_removed(content_copy):
    load(content_copy)
    lesson_file = content_copy / "lessons" / "06-proof-and-trust.yaml"
    step = Step.objects.get(lesson__slug="proof-and-trust", slug="aws-artifact")
    replace_in(lesson_file, "title: ", "title: Changed - ")
    output = load(content_copy)
    assert "0 created, 1 updated" in output
    assert Lesson.objects.get(slug="proof-and-trust").title.startswith("Changed - ")
    assert Step.objects.get(pk=step.pk).slug == "aws-artifact"

    text = lesson_file.read_text()
    lesson_file.write_text(text[: text.index("  - slug: your-half-of-the-audit")])
    output = load(content_copy)
    assert "1 removed" in output
    assert not Step.objects.filter(slug="your-half-of-the-audit").exists()


@pytest.mark.parametrize(
    ("relative_path", "old", "new", "message"),
    [
        (
            "services/ec2.yaml",
            "owner: customer",
            "owner: amazon",
            "owner: Value 'amazon' is not a valid choice.",
        ),
        ("services/rds.yaml", "  data:", "  dataz:", "unknown layer 'dataz'"),
        ("lessons/04-patching.yaml", "title:", "titel:", "unknown key 'titel'"),
        (
            "lessons/03-the-dividing-line-on-ec2.yaml",
            "service: ec2",
            "service: ec3",
            "unknown service",
        ),
        ("layers.yaml", "kind: duty", "kind: layer", "must be a duty"),
        ("course.yaml", "slug:", "slug: Not A Slug\nx:", "lower-case letters"),
    ],
)
def test_a_broken_file_names_file_and_line_and_loads_nothing(
    content_copy, relative_path, old, new, message
):
    path = content_copy / relative_path
    expected_line = line_of(path, old.strip())
    replace_in(path, old, new)
    with pytest.raises(CommandError) as error:
        load(content_copy)
    assert f"{path}:{expected_line}: " in str(error.value)
    assert message in str(error.value)
    assert "nothing was loaded" in str(error.value)
    assert Lesson.objects.count() == 0
    assert Responsibility.objects.count() == 0


def test_a_broken_file_leaves_the_loaded_course_untouched(content_copy):
    load(content_copy)
    before = list(Responsibility.objects.values_list("owner", flat=True).order_by("pk"))
    replace_in(content_copy / "services" / "s3.yaml", "owner: aws", "owner: nobody")
    replace_in(
        content_copy / "services" / "ec2.yaml", "owner: customer", "owner: customer\n    x: 1"
    )
    with pytest.raises(CommandError) as error:
        load(content_copy)
    assert "2 problem(s)" in str(error.value)
    assert list(Responsibility.objects.values_list("owner", flat=True).order_by("pk")) == before


def test_a_missing_layer_is_reported(content_copy):
    path = content_copy / "services" / "lambda.yaml"
    text = path.read_text()
    start = text.index("  encryption:")
    path.write_text(text[:start])
    with pytest.raises(CommandError, match="no owner given for layer 'encryption'"):
        load(content_copy)


def test_invalid_yaml_and_duplicate_keys_are_reported_with_their_line(content_copy):
    path = content_copy / "services" / "dynamodb.yaml"
    replace_in(path, "name:", "slug: dynamodb\nname:")
    with pytest.raises(CommandError, match=rf"{path}:2: not valid YAML: duplicate key 'slug'"):
        load(content_copy)


def test_a_file_that_is_not_utf8_is_reported(content_copy):
    path = content_copy / "course.yaml"
    path.write_bytes("title: Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(CommandError, match=rf"{path}:1: not UTF-8 text"):
        load(content_copy)


def test_raw_html_in_markdown_is_shown_as_text(content_copy):
    replace_in(
        content_copy / "lessons" / "01-two-owners-one-house.yaml",
        "    body: |\n",
        '    body: |\n      <script>alert(1)</script> <b style="x">bold</b>\n\n',
    )
    load(content_copy)
    html = Step.objects.get(lesson__order=1, order=1).body_html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b style" not in html


def test_dry_run_checks_and_writes_nothing():
    output = io.StringIO()
    call_command("load_content", "--dry-run", stdout=output)
    assert output.getvalue().startswith(f"Would load {COURSE_LESSONS} lessons")
    assert Lesson.objects.count() == 0


def test_an_over_long_title_is_refused_by_the_model_with_file_and_line(content_copy):
    """The column holds 200 characters: SQLite would store more, PostgreSQL would fail."""
    path = content_copy / "lessons" / "04-patching.yaml"
    line = line_of(path, "title: Patching")
    replace_in(path, "title: Patching", f"title: {'x' * 260}")
    with pytest.raises(CommandError) as error:
        load(content_copy)
    assert (
        f"{path}:{line}: title: Ensure this value has at most 200 characters (it has 260)."
        in str(error.value)
    )
    assert "nothing was loaded" in str(error.value)
    assert Lesson.objects.count() == 0
