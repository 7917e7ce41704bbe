"""Misconception tags: defined once in quiz/content/misconceptions.yaml, named by wrong
choices, and counted (submitted attempts only) for staff and for each cohort."""

import pytest
from django.core.management import CommandError

from cohorts.models import Cohort, Membership
from quiz.models import Choice, Misconception, Question

from .conftest import line_of, load, start

pytestmark = pytest.mark.django_db
TAG = "aws-patches-your-ec2-os"


def test_the_shipped_tags_load_and_link_a_correcting_step(course):
    tagged = Choice.objects.filter(misconception__isnull=False)
    assert tagged.count() >= 40
    assert not tagged.filter(is_correct=True).exists()
    assert Misconception.objects.count() >= 10
    assert not Misconception.objects.filter(step__isnull=True).exists()
    assert Misconception.objects.filter(choices__isnull=True).count() == 0


def test_a_tag_nobody_defined_names_file_and_line(content):
    path = content / "questions" / "patching.yaml"
    path.write_text(path.read_text().replace(f"misconception: {TAG}", "misconception: nope", 1))
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(content / "questions"))
    assert f"{path}:{line_of(path, 'misconception: nope')}: unknown misconception 'nope'" in str(
        error.value
    )
    assert not Question.objects.exists()


def test_a_tag_on_a_correct_choice_is_refused(content):
    path = content / "questions" / "patching.yaml"
    text = path.read_text()
    path.write_text(
        text.replace("correct: true\n", f"correct: true\n        misconception: {TAG}\n", 1)
    )
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(content / "questions"))
    line = line_of(path, f"misconception: {TAG}")
    assert f"{path}:{line}: only a wrong choice can carry a misconception" in str(error.value)


def test_a_misconception_must_point_at_a_real_step_and_be_defined_once(content):
    path = content / "misconceptions.yaml"
    text = path.read_text().replace("step: no-backdoor", "step: no-such-step")
    text += "  - slug: aws-patches-your-ec2-os\n    statement: Twice.\n    lesson: patching\n"
    text += "    step: aws-can-notify\n"
    path.write_text(text)
    with pytest.raises(CommandError) as error:
        load("--questions-dir", str(content / "questions"))
    message = str(error.value)
    step_line = line_of(path, "step: no-such-step")
    assert f"{path}:{step_line}: lesson 'the-dividing-line-on-ec2' has no step" in message
    assert "misconception 'aws-patches-your-ec2-os' is already defined at line" in message


def pick_tagged(attempt, tag=TAG) -> bool:
    """Answer every question of the attempt that offers a choice tagged `tag` with that
    choice, and the others right. True if one was found."""
    found = False
    for position in range(1, attempt.question_total + 1):
        question, choices = attempt.question_at(position)
        tagged = [c for c in choices if c.misconception and c.misconception.slug == tag]
        if tagged:
            attempt.record_answer(question, choice_ids=[tagged[0].pk])
            found = True
    return found


def test_shares_count_learners_in_submitted_attempts_only(course, learner, other_learner):
    assert pick_tagged(start(learner, "patching"))
    start(learner, "patching").submit()
    assert pick_tagged(start(other_learner, "patching"))  # left open: not counted yet
    [row] = [r for r in Misconception.objects.top_among() if r.misconception.slug == TAG]
    assert (row.learners, row.exposed, row.percent) == (1, 1, 100)
    start(other_learner, "patching").submit()
    assert Misconception.objects.top_among()[0].exposed == 2


def test_a_learner_who_answered_right_lowers_the_share(course, learner, other_learner):
    assert pick_tagged(start(learner, "patching"))
    start(learner, "patching").submit()
    attempt = start(other_learner, "patching")
    for position in range(1, attempt.question_total + 1):
        question, choices = attempt.question_at(position)
        right = [c.pk for c in choices if c.is_correct]
        if not question.is_classify:
            attempt.record_answer(question, choice_ids=right)
    attempt.submit()
    row = next(r for r in Misconception.objects.top_among() if r.misconception.slug == TAG)
    assert (row.learners, row.exposed, row.percent) == (1, 2, 50)


def test_the_stats_page_shows_the_top_misconceptions_with_the_step_that_fixes_them(
    course, learner, staff, client, django_assert_max_num_queries
):
    assert pick_tagged(start(learner, "patching"))
    start(learner, "patching").submit()
    client.force_login(staff)
    # Session, user; the question table with live workshop answers; three for misconceptions.
    with django_assert_max_num_queries(13):
        html = client.get("/quizzes/stats/").text
    misconception = Misconception.objects.get(slug=TAG)
    assert "Top misconceptions" in html
    assert misconception.statement in html
    assert f'href="{misconception.step.get_absolute_url()}"' in html


def test_each_cohort_report_shows_what_its_own_members_get_wrong(
    course, learner, other_learner, manager, client, django_assert_max_num_queries
):
    cohort = Cohort.objects.create(name="March", owner=manager, due_date="2030-03-31")
    Membership.objects.create(cohort=cohort, user=other_learner)
    assert pick_tagged(start(learner, "patching"))  # not a member
    start(learner, "patching").submit()
    client.force_login(manager)
    statement = Misconception.objects.get(slug=TAG).statement
    assert statement not in client.get(cohort.get_absolute_url()).text
    assert pick_tagged(start(other_learner, "patching"))
    start(other_learner, "patching").submit()
    with django_assert_max_num_queries(16):
        html = client.get(cohort.get_absolute_url()).text
    assert statement in html
    assert "100%" in html
