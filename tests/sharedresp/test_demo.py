"""`manage.py demo`: every role to try, a cohort and a finished workshop; debug mode only."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from cohorts.models import Cohort
from sharedresp.management.commands.demo import PASSWORD, PEOPLE
from workshops.models import LiveAnswer, Workshop

pytestmark = pytest.mark.django_db


def test_it_refuses_outside_debug_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_it_creates_every_role_a_cohort_and_a_finished_workshop(settings, client):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=io.StringIO())  # a second run adds nothing twice
    printed = out.getvalue()
    assert PASSWORD in printed
    users = get_user_model().objects
    assert users.count() == len(PEOPLE)
    for person in PEOPLE:
        assert person.email in printed
        assert client.login(email=person.email, password=PASSWORD)
        assert client.get(person.opens_first).status_code == 200, person
    learner = users.get(email="learner@demo.test")
    assert users.get(email="facilitator@demo.test").is_facilitator
    assert users.get(email="author@demo.test").is_superuser
    lead = users.get(email="lead@demo.test")
    assert (lead.is_superuser, lead.has_perm("lms.change_platform")) == (False, True)
    cohort = Cohort.objects.get()
    assert list(cohort.members.all()) == [learner]
    workshop = Workshop.objects.get()
    assert workshop.is_ended
    assert LiveAnswer.objects.filter(participant__workshop=workshop).count() > 0
    assert workshop.results_url in printed
    # The podium shows three places, not a tie.
    podium = [person.points for person in workshop.leaderboard(3)]
    assert len(podium) == 3
    assert podium == sorted(set(podium), reverse=True)
