"""Learners see their cohorts, due dates and status on their dashboard."""

import datetime

import pytest
from django.utils import timezone

from cohorts.models import Cohort, Membership
from tests.cohorts.conftest import complete_lessons

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_each_assignment_with_its_due_date_and_status(
    course, manager, learner_client, learner
):
    today = timezone.localdate()
    late = Cohort.objects.create(
        name="Induction", owner=manager, due_date=today - datetime.timedelta(days=2)
    )
    soon = Cohort.objects.create(
        name="Security basics",
        owner=manager,
        due_date=today + datetime.timedelta(days=5),
        requires_practice_quizzes=True,
    )
    for cohort in (soon, late):
        Membership.objects.create(cohort=cohort, user=learner)
    html = learner_client.get("/").text
    section = html.split('<section class="assignments"')[1].split("</section>")[0]
    assert "Your assignments" in section
    assert section.index("Induction") < section.index("Security basics")  # soonest first
    assert "Overdue" in section
    assert "every lesson; each practice quiz at least once" in section
    complete_lessons(learner)
    section = learner_client.get("/").text.split('<section class="assignments"')[1]
    assert '"status-tag status-tag--done">Done<' in section  # Induction: lessons only


def test_learners_without_a_cohort_see_no_assignments(course, learner_client):
    assert "Your assignments" not in learner_client.get("/").text
