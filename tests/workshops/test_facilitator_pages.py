"""The facilitator's list, creating a workshop from a plan, and changing its items."""

import pytest

from lessons.models import Layer, Service
from quiz.models import Question
from workshops.models import ItemKind, Plan, Workshop

from .conftest import make_workshop

pytestmark = pytest.mark.django_db


def item_url(workshop, item, action=""):
    return f"/workshops/{workshop.code}/items/{item.pk}/{action}"


class TestList:
    def test_it_works_and_lists_the_plans_and_my_workshops_only(
        self, course, facilitator_client, facilitator, other_facilitator
    ):
        mine = make_workshop(facilitator, title="Mine")
        make_workshop(other_facilitator, title="Not mine")
        html = facilitator_client.get("/workshops/").text
        assert "Introduction: who secures what on AWS, 45 minutes" in html
        assert mine.code in html
        assert "Not mine" not in html

    def test_it_requires_login(self, client):
        response = client.get("/workshops/")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")

    def test_it_requires_the_facilitator_role(self, learner_client):
        assert learner_client.get("/workshops/").status_code == 403
        assert learner_client.post("/workshops/", {}).status_code == 403
        assert not Workshop.objects.exists()

    def test_header_shows_workshops_to_facilitators_only(
        self, facilitator_client, learner, client
    ):
        assert 'href="/workshops/"' in facilitator_client.get("/").text
        client.force_login(learner)
        assert 'href="/workshops/"' not in client.get("/").text

    def test_it_creates_a_workshop_from_a_plan(self, course, facilitator_client, facilitator):
        plan = Plan.objects.get(slug="introduction")
        response = facilitator_client.post("/workshops/", {"source": f"plan-{plan.pk}"})
        workshop = Workshop.objects.get()
        assert response.url == f"/workshops/{workshop.code}/"
        assert (workshop.host, workshop.plan, workshop.title) == (facilitator, plan, plan.title)
        assert workshop.is_lobby
        assert [i.content() for i in workshop.items.all()] == [
            i.content() for i in plan.items.all()
        ]

    def test_it_copies_one_of_my_workshops_with_a_new_title(
        self, course, facilitator_client, facilitator
    ):
        old = make_workshop(facilitator)
        facilitator_client.post("/workshops/", {"source": f"copy-{old.pk}", "title": "Again"})
        new = Workshop.objects.exclude(pk=old.pk).get()
        assert new.title == "Again"
        assert new.code != old.code
        assert [i.content() for i in new.items.all()] == [i.content() for i in old.items.all()]

    @pytest.mark.parametrize("source", ["", "plan-999999", "copy-notanumber"])
    def test_it_handles_bad_input(self, course, facilitator_client, source):
        response = facilitator_client.post("/workshops/", {"source": source, "title": "x" * 201})
        assert response.status_code == 200
        assert "There is a problem" in response.text
        assert not Workshop.objects.exists()

    def test_it_checks_ownership_of_the_workshop_copied(
        self, course, facilitator_client, other_facilitator
    ):
        theirs = make_workshop(other_facilitator)
        response = facilitator_client.post("/workshops/", {"source": f"copy-{theirs.pk}"})
        assert "Choose one of the plans shown" in response.text
        assert Workshop.objects.count() == 1


class TestDetail:
    def test_it_works(self, workshop, facilitator_client):
        html = facilitator_client.get(f"/workshops/{workshop.code}/").text
        assert workshop.code in html
        assert "Operating system on Amazon EC2" in html
        assert "Add a question from the bank" in html

    def test_it_requires_login(self, workshop, client):
        assert client.get(f"/workshops/{workshop.code}/").status_code == 302

    def test_it_checks_ownership(self, workshop, client, other_facilitator):
        client.force_login(other_facilitator)
        assert client.get(f"/workshops/{workshop.code}/").status_code == 403
        assert client.post(f"/workshops/{workshop.code}/", {"title": "Mine"}).status_code == 403
        assert client.get("/workshops/ZZZZZZ/").status_code == 404

    def test_it_renames_and_handles_bad_input(self, workshop, facilitator_client):
        bad = facilitator_client.post(f"/workshops/{workshop.code}/", {"title": ""})
        assert "There is a problem" in bad.text
        facilitator_client.post(f"/workshops/{workshop.code}/", {"title": "Renamed"})
        workshop.refresh_from_db()
        assert workshop.title == "Renamed"


class TestAddItem:
    def test_it_adds_each_kind_at_the_end(self, workshop, facilitator_client):
        url = f"/workshops/{workshop.code}/items/add/"
        question = Question.objects.get(slug="aws-master-login")
        facilitator_client.post(
            url + "slide", {"slide-title": "Break", "slide-body": "Ten minutes."}
        )
        facilitator_client.post(
            url + "layer",
            {
                "layer-service": Service.objects.get(slug="s3").pk,
                "layer-layer": Layer.objects.get(slug="encryption").pk,
            },
        )
        facilitator_client.post(url + "question", {"question-question": question.pk})
        added = list(workshop.items.all())[-3:]
        assert [item.heading for item in added] == [
            "Break",
            "Encryption and key choices on Amazon S3",
            added[2].heading,
        ]
        assert added[2].question == question

    def test_it_rejects_get(self, workshop, facilitator_client):
        assert (
            facilitator_client.get(f"/workshops/{workshop.code}/items/add/slide").status_code
            == 405
        )

    def test_it_checks_ownership(self, workshop, client, other_facilitator):
        client.force_login(other_facilitator)
        url = f"/workshops/{workshop.code}/items/add/slide"
        assert client.post(url, {"slide-title": "X", "slide-body": "Y"}).status_code == 403
        assert workshop.items.count() == 3

    def test_it_handles_bad_input(self, workshop, facilitator_client):
        url = f"/workshops/{workshop.code}/items/add/"
        retired = Question.objects.get(slug="aws-master-login")
        retired.retired = True
        retired.save()
        for kind, data in [
            ("slide", {"slide-title": "", "slide-body": "Text"}),
            ("layer", {"layer-service": "999999", "layer-layer": "x"}),
            ("question", {"question-question": retired.pk}),
        ]:
            response = facilitator_client.post(url + kind, data)
            assert response.status_code == 200
            assert "There is a problem" in response.text
        assert facilitator_client.post(url + "video", {}).status_code == 404
        assert workshop.items.count() == 3

    def test_it_refuses_once_started(self, workshop, facilitator_client):
        workshop.control("start")
        response = facilitator_client.post(
            f"/workshops/{workshop.code}/items/add/slide",
            {"slide-title": "Late", "slide-body": "Too late."},
            follow=True,
        )
        assert "can no longer change" in response.text
        assert workshop.items.count() == 3


class TestChangeItems:
    def test_editing_works_for_a_slide(self, workshop, facilitator_client):
        item = workshop.items.get(kind=ItemKind.SLIDE)
        page = facilitator_client.get(item_url(workshop, item))
        assert 'value="A slide"' in page.text
        facilitator_client.post(item_url(workshop, item), {"title": "New", "body": "Text."})
        item.refresh_from_db()
        assert (item.title, item.body) == ("New", "Text.")

    def test_editing_handles_bad_input(self, workshop, facilitator_client):
        item = workshop.items.get(kind=ItemKind.QUESTION)
        response = facilitator_client.post(item_url(workshop, item), {"question": "nope"})
        assert "There is a problem" in response.text

    def test_moving_and_removing_work(self, workshop, facilitator_client):
        first, second, third = workshop.items.all()
        facilitator_client.post(item_url(workshop, third, "move"), {"direction": "up"})
        facilitator_client.post(item_url(workshop, first, "remove"))
        assert list(workshop.items.all()) == [third, second]

    def test_they_reject_get(self, workshop, facilitator_client):
        item = workshop.items.first()
        assert facilitator_client.get(item_url(workshop, item, "move")).status_code == 405
        assert facilitator_client.get(item_url(workshop, item, "remove")).status_code == 405

    def test_they_check_ownership(self, workshop, client, other_facilitator, facilitator):
        item = workshop.items.first()
        client.force_login(other_facilitator)
        assert client.get(item_url(workshop, item)).status_code == 403
        assert client.post(item_url(workshop, item, "remove")).status_code == 403
        mine = make_workshop(other_facilitator)
        # An item of another workshop, under a workshop of mine: not found.
        assert client.post(item_url(mine, item, "remove")).status_code == 404
        assert workshop.items.count() == 3

    def test_they_handle_bad_input(self, workshop, facilitator_client):
        item = workshop.items.first()
        response = facilitator_client.post(item_url(workshop, item, "move"), {"direction": "left"})
        assert response.status_code == 400
        assert facilitator_client.get(f"/workshops/{workshop.code}/items/0/").status_code == 404

    def test_they_refuse_once_started(self, workshop, facilitator_client):
        workshop.control("start")
        item = workshop.items.first()
        response = facilitator_client.post(item_url(workshop, item, "remove"), follow=True)
        assert "can no longer change" in response.text
        assert workshop.items.count() == 3
