import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from workshops.models import ItemKind, Plan

from .conftest import make_workshop

# Loading is tested from an empty database, not over the course every test starts with.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_course")]
PLANS = Path(__file__).resolve().parents[2] / "workshops" / "content" / "plans"


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_content", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def plans_copy(tmp_path):
    target = tmp_path / "plans"
    shutil.copytree(PLANS, target)
    return target


def test_the_shipped_plans_load_with_the_course_and_include_a_45_minute_introduction():
    output = load()
    assert "Loaded 2 workshop plans: 2 created" in output.splitlines()[3]
    introduction = Plan.objects.get(slug="introduction")
    assert introduction.minutes == 45
    kinds = set(introduction.items.values_list("kind", flat=True))
    assert kinds == {ItemKind.SLIDE, ItemKind.LAYER, ItemKind.QUESTION}
    positions = list(introduction.items.values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))


def test_loading_twice_changes_nothing():
    load()
    before = (
        list(Plan.objects.values()),
        [i.content() for p in Plan.objects.all() for i in p.items.all()],
    )
    assert "0 created, 0 updated, 2 unchanged, 0 removed" in load()
    after = (
        list(Plan.objects.values()),
        [i.content() for p in Plan.objects.all() for i in p.items.all()],
    )
    assert after == before


def test_an_edited_plan_is_rewritten_and_a_removed_one_deleted_but_workshops_keep_theirs(
    plans_copy, facilitator
):
    load("--plans-dir", str(plans_copy))
    plan = Plan.objects.get(slug="the-line-moves")
    workshop = make_workshop(facilitator, *plan.items.all())
    path = plans_copy / "the-line-moves.yaml"
    path.write_text(path.read_text().replace("title: What never moves", "title: Never moves"))
    (plans_copy / "introduction.yaml").unlink()
    output = load("--plans-dir", str(plans_copy))
    assert "0 created, 1 updated, 0 unchanged, 1 removed" in output
    assert Plan.objects.get().items.filter(title="Never moves").exists()
    assert workshop.items.filter(title="What never moves").exists()


BROKEN = [
    # (text to find, replacement, message), the error on the line of the found text
    ("kind: slide", "kind: video", "kind: Value 'video' is not a valid choice."),
    ("kind: slide", "kind: incident", "incident cards are added on the workshop's page"),
    ("service: ec2", "service: ec9", "unknown service 'ec9'"),
    ("layer: operating-system", "layer: kernel", "unknown layer 'kernel'"),
    (
        "question: order-by-customer-share",
        "question: no-such-question",
        "no question 'no-such-question' in the question bank",
    ),
    ("minutes: 20", "minutes: twenty", "'minutes' must be a whole number"),
    ("slug: the-line-moves", "slug: line-moves", "slug must match the file name"),
    ("    title: Same stack", "    heading: Same stack", "unknown key 'heading'"),
]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3", "time_limit: Ensure this value is greater than or equal to 5."),
        ("601", "time_limit: Ensure this value is less than or equal to 600."),
        ("twenty", "'time_limit' must be whole seconds"),
        ("true", "'time_limit' must be whole seconds"),
    ],
)
def test_a_bad_time_limit_names_file_and_line(plans_copy, value, message):
    path = plans_copy / "the-line-moves.yaml"
    text = path.read_text()
    old = "question: order-by-customer-share"
    line = next(n for n, row in enumerate(text.splitlines(), 1) if old in row) + 1
    path.write_text(text.replace(old, f"{old}\n    time_limit: {value}", 1))
    with pytest.raises(CommandError) as error:
        load("--plans-dir", str(plans_copy))
    assert f"{path}:{line}: {message}" in str(error.value)


def test_questions_get_20_seconds_unless_the_plan_says_and_0_means_no_limit(plans_copy):
    path = plans_copy / "the-line-moves.yaml"
    text = path.read_text()
    questions = [row for row in text.splitlines() if row.strip().startswith("question:")]
    assert len(questions) >= 2
    text = text.replace(questions[0], f"{questions[0]}\n    time_limit: 45", 1)
    text = text.replace(questions[1], f"{questions[1]}\n    time_limit: 0", 1)
    path.write_text(text)
    load("--plans-dir", str(plans_copy))
    limits = list(
        Plan.objects.get(slug="the-line-moves")
        .items.filter(kind=ItemKind.QUESTION)
        .values_list("time_limit", flat=True)
    )
    assert limits[:2] == [45, None]
    assert set(limits[2:]) <= {20}
    assert set(
        Plan.objects.get(slug="introduction")
        .items.exclude(kind=ItemKind.QUESTION)
        .values_list("time_limit", flat=True)
    ) == {None}


@pytest.mark.parametrize(("old", "new", "message"), BROKEN)
def test_a_broken_plan_names_file_line_and_reason_and_loads_nothing(plans_copy, old, new, message):
    path = plans_copy / "the-line-moves.yaml"
    text = path.read_text()
    assert old in text
    line = next(n for n, row in enumerate(text.splitlines(), 1) if old in row)
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CommandError) as error:
        load("--plans-dir", str(plans_copy))
    assert f"{path}:{line}: {message}" in str(error.value)
    assert not Plan.objects.exists()


def test_a_plans_folder_without_plans_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no plan files"):
        load("--plans-dir", str(tmp_path))


def test_another_question_bank_loads_without_the_shipped_plans_unless_asked(tmp_path):
    bank = tmp_path / "questions"
    content = PLANS.parents[2] / "quiz" / "content"
    shutil.copytree(content / "questions", bank)
    # The shipped questions now tag wrong choices with misconceptions, which the loader
    # reads beside the questions: a bank moved elsewhere brings that file with it.
    shutil.copy(content / "misconceptions.yaml", tmp_path / "misconceptions.yaml")
    output = load("--questions-dir", str(bank))
    assert "workshop plans" not in output
    assert not Plan.objects.exists()
    assert "Loaded 2 workshop plans" in load(
        "--questions-dir", str(bank), "--plans-dir", str(PLANS)
    )
