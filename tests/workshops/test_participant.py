"""The participant's page: following the host by polling, answering, seeing the reveal."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client

from workshops import views
from workshops.models import ANSWER_GRACE, LiveAnswer, answer_signature

from .conftest import (
    CLASSIFY,
    MULTIPLE,
    SINGLE,
    act,
    answer_url,
    incident_item,
    join,
    layer,
    make_workshop,
    post_for,
    question,
    right_post,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def state(workshop, version=None):
    query = "" if version is None else f"?v={version}"
    return f"/join/{workshop.code}/state{query}"


class TestPoll:
    def test_an_unchanged_room_costs_one_query_and_answers_204(
        self, workshop, django_assert_num_queries
    ):
        browser, _participant = join(workshop)
        with django_assert_num_queries(1):
            response = browser.get(state(workshop, workshop.version), headers=HTMX)
        assert response.status_code == 204
        assert response.content == b""

    def test_a_logged_in_participant_polls_for_the_same_single_query(
        self, workshop, learner, django_assert_num_queries
    ):
        browser, _participant = join(workshop, "Alice", user=learner)
        with django_assert_num_queries(1):
            assert browser.get(state(workshop, workshop.version)).status_code == 204

    def test_after_a_host_action_it_sends_the_new_item_and_version(self, workshop):
        browser, _participant = join(workshop)
        old = workshop.version
        act(workshop, "start")
        response = browser.get(state(workshop, old), headers=HTMX)
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="live"')
        assert f'hx-get="/join/{workshop.code}/state?v={workshop.version}"' in response.text
        assert 'hx-trigger="live:state, every 2s"' in response.text
        assert f'data-live-events="/join/{workshop.code}/events"' in response.text
        assert "A slide" in response.text
        assert 'hx-swap-oob="innerHTML">Now showing: A slide' in response.text
        assert response["Cache-Control"].startswith("max-age=0")

    def test_when_the_workshop_ends_it_stops_the_polling(self, workshop):
        browser, _participant = join(workshop)
        old = workshop.version
        act(workshop, "start", "end")
        response = browser.get(state(workshop, old), headers=HTMX)
        assert response.status_code == 286  # htmx: stop polling
        assert "The workshop has ended" in response.text
        assert "hx-trigger" not in response.text

    def test_it_requires_the_participant_cookie(self, workshop, client):
        assert client.get(state(workshop, 1)).status_code == 403

    @pytest.mark.parametrize("version", ["x", "-1", "1.5"])
    def test_it_handles_bad_input(self, workshop, version):
        browser, _participant = join(workshop)
        assert browser.get(state(workshop, version)).status_code == 400

    def test_it_refuses_a_code_its_cookie_was_not_signed_for(self, workshop):
        browser, _participant = join(workshop)
        assert browser.get("/join/ZZZZZZ/state?v=1").status_code == 403


class TestPage:
    def test_it_follows_each_kind_of_item(self, course, facilitator):
        workshop = make_workshop(facilitator)
        browser, _participant = join(workshop)
        page = f"/join/{workshop.code}/"
        assert "You are in" in browser.get(page).text
        act(workshop, "start")
        assert "Some text." in browser.get(page).text
        act(workshop, "next")
        html = browser.get(page).text
        assert "Answering opens when the facilitator says so" in html
        assert "<form" not in html.split('id="live"')[1].split("Refresh")[0]
        act(workshop, "next")
        html = browser.get(page).text
        assert "Operating system on Amazon EC2" in html
        assert 'id="layer-panel"' in html

    def test_without_javascript_it_refreshes_itself_except_while_there_is_a_form(self, workshop):
        browser, _participant = join(workshop)
        page = f"/join/{workshop.code}/"
        refresh = '<noscript><meta http-equiv="refresh" content="5"></noscript>'
        assert refresh in browser.get(page).text
        act(workshop, "start", "next", "open")
        html = browser.get(page).text
        assert refresh not in html
        assert f'action="/join/{workshop.code}/items/' in html
        assert 'href="/join/' in html  # a Refresh link all the same


class TestAnswer:
    def test_it_works_with_htmx_and_moves_focus_to_the_receipt(self, workshop):
        browser, participant = join(workshop)
        act(workshop, "start", "next", "open")
        item = workshop.current_item()
        response = browser.post(answer_url(workshop, item), right_post(item), headers=HTMX)
        assert response.status_code == 200
        assert "Locked in" in response.text
        assert "data-autofocus" in response.text
        assert "Right answer" not in response.text  # nothing before the reveal
        answer = LiveAnswer.objects.get()
        assert (answer.participant, answer.item, answer.score) == (participant, item, 1.0)

    def test_it_works_without_javascript(self, workshop):
        browser, _participant = join(workshop)
        act(workshop, "start", "next", "open")
        item = workshop.current_item()
        response = browser.post(answer_url(workshop, item), right_post(item))
        assert response.url == f"/join/{workshop.code}/"
        assert LiveAnswer.objects.count() == 1

    @pytest.mark.parametrize("slug", [MULTIPLE, CLASSIFY])
    def test_the_reveal_shows_the_participant_their_result(self, course, facilitator, slug):
        workshop = make_workshop(facilitator, question(slug), layer("s3", "data"))
        browser, _participant = join(workshop)
        act(workshop, "start", "open")
        item = workshop.current_item()
        browser.post(answer_url(workshop, item), right_post(item))
        act(workshop, "close")
        assert "Locked in" in browser.get(f"/join/{workshop.code}/").text
        act(workshop, "reveal")
        html = browser.get(f"/join/{workshop.code}/").text
        assert "Right!" in html
        assert "Why" in html

    def test_someone_who_did_not_answer_still_sees_the_right_answer(self, workshop):
        browser, _participant = join(workshop)
        act(workshop, "start", "next", "open", "reveal")
        html = browser.get(f"/join/{workshop.code}/").text
        assert "No answer this time" in html
        assert "Right answer" in html

    def test_it_rejects_get(self, workshop):
        browser, _participant = join(workshop)
        item = workshop.items.get(kind="question")
        assert browser.get(answer_url(workshop, item)).status_code == 405

    def test_it_requires_the_participant_cookie(self, workshop, client):
        act(workshop, "start", "next", "open")
        item = workshop.current_item()
        assert client.post(answer_url(workshop, item), right_post(item)).status_code == 403
        assert not LiveAnswer.objects.exists()

    def test_it_handles_bad_input(self, workshop, facilitator):
        browser, _participant = join(workshop)
        act(workshop, "start", "next", "open")
        item = workshop.current_item()
        for data in [{}, {"choice": "abc"}, {"choice": "999999"}]:
            response = browser.post(answer_url(workshop, item), data, headers=HTMX)
            assert response.status_code == 200
            assert "There is a problem" in response.text
        slide = workshop.items.get(kind="slide")
        assert browser.post(answer_url(workshop, slide), {"choice": 1}).status_code == 404
        elsewhere = make_workshop(facilitator).items.get(kind="question")
        assert browser.post(answer_url(workshop, elsewhere), {"choice": 1}).status_code == 404
        assert not LiveAnswer.objects.exists()

    def test_an_answer_after_answering_closed_is_refused_and_says_so(self, workshop, clock):
        browser, _participant = join(workshop)
        act(workshop, "start", "next", "open", "close")
        clock.advance(ANSWER_GRACE + timedelta(seconds=1))
        item = workshop.current_item()
        response = browser.post(answer_url(workshop, item), right_post(item), headers=HTMX)
        assert "your answer was not stored" in response.text
        response = browser.post(answer_url(workshop, item), right_post(item), follow=True)
        assert "your answer was not stored" in response.text
        assert not LiveAnswer.objects.exists()

    def test_a_second_answer_changes_nothing(self, workshop):
        browser, _participant = join(workshop)
        act(workshop, "start", "next", "open")
        item = workshop.current_item()
        wrong = next(c.pk for c in item.question.choices.all() if not c.is_correct)
        browser.post(answer_url(workshop, item), {"choice": wrong})
        browser.post(answer_url(workshop, item), right_post(item))
        assert list(LiveAnswer.objects.values_list("score", flat=True)) == [0.0]


class TestSharedPage:
    """After a host action the room asks at once; equal pages are rendered once."""

    def test_participants_whose_answers_agree_share_one_rendering(
        self, workshop, django_assert_num_queries, django_assert_max_num_queries
    ):
        first, _one = join(workshop, "One")
        second, _two = join(workshop, "Two")
        old = workshop.version
        act(workshop, "start", "next", "open")
        with django_assert_max_num_queries(9):
            page = first.get(state(workshop, old), headers=HTMX).text
        # Workshop; the participant's own answer, whether it is revealed, their standing:
        # the page comes from the cache.
        with django_assert_num_queries(4):
            assert second.get(state(workshop, old), headers=HTMX).text == page
        assert "csrfmiddlewaretoken" not in page

    def test_each_participant_sees_their_own_answer(self, workshop):
        old = workshop.version
        act(workshop, "start", "next", "open")
        item = workshop.current_item()
        right = next(c for c in item.question.choices.all() if c.is_correct)
        wrong = next(c for c in item.question.choices.all() if not c.is_correct)
        pages = {}
        for name, choice in [("Right", right), ("Wrong", wrong), ("Also right", right)]:
            browser, _participant = join(workshop, name)
            browser.post(answer_url(workshop, item), {"choice": choice.pk})
            pages[name] = browser
        act(workshop, "reveal")
        seen = {name: b.get(state(workshop, old), headers=HTMX).text for name, b in pages.items()}
        assert "Right!" in seen["Right"]
        assert "Not this time" in seen["Wrong"]
        assert "+0</strong> you are 3rd of 3" in seen["Wrong"]
        # Points depend on speed, so two right answers share a page only with equal points.
        assert "Right!" in seen["Also right"]

    def test_the_shared_page_answers_with_the_token_from_the_header(self, workshop):
        browser = Client(enforce_csrf_checks=True)
        form = browser.get(f"/join/{workshop.code}/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = {"csrfmiddlewaretoken": token, "code": workshop.code, "name": "Pat"}
        assert browser.post("/join/", data).status_code == 302
        old = workshop.version
        act(workshop, "start", "next", "open")
        page = browser.get(state(workshop, old), headers=HTMX).text
        item = workshop.current_item()
        assert "csrfmiddlewaretoken" not in page
        assert browser.post(answer_url(workshop, item), right_post(item)).status_code == 403
        header = HTMX | {"X-CSRFToken": browser.cookies["csrftoken"].value}
        response = browser.post(answer_url(workshop, item), right_post(item), headers=header)
        assert "Locked in" in response.text


@pytest.mark.parametrize("others", [3, 300])
def test_the_participant_page_costs_the_same_in_any_room(
    course, facilitator, django_assert_max_num_queries, others
):
    from .conftest import add_participants

    workshop = make_workshop(facilitator, question(CLASSIFY))
    add_participants(workshop, others)
    browser, _participant = join(workshop)
    old = workshop.version
    act(workshop, "start", "open")
    item = workshop.current_item()
    data = right_post(item)
    # Workshop, own answer, revealed or not, standing; then, rendering: participant, item,
    # choices, the participant's answer, layer names.
    with django_assert_max_num_queries(9):
        browser.get(state(workshop, old), headers=HTMX)
    # Workshop, participant, item, choices; stored under a shared lock on the item (four
    # of these are savepoints); own answer; then the page as the poll would render it.
    with django_assert_max_num_queries(20):
        browser.post(answer_url(workshop, item), data, headers=HTMX)
    # The next with the same answer gets that page from the cache: no rendering, and
    # neither the item on screen nor the answer read back.
    second, _participant = join(workshop, "Second")
    with django_assert_max_num_queries(15):
        second.post(answer_url(workshop, item), data, headers=HTMX)
    act(workshop, "reveal")
    # As before, plus the answer's choices, the key for the participant's result, and
    # their points and place (two queries, whatever the room's size).
    with django_assert_max_num_queries(13):
        browser.get(state(workshop, old), headers=HTMX)


class TestAnswerCost:
    """After an answer the phone's page is the shared one for its answer, found without
    reading the answer back: the signature assumed must be the one a poll reads."""

    @pytest.mark.parametrize("slug", [SINGLE, MULTIPLE, CLASSIFY, "incident"])
    def test_the_assumed_signature_is_the_one_read_back(self, course, facilitator, slug):
        item_spec = incident_item() if slug == "incident" else question(slug)
        workshop = make_workshop(facilitator, item_spec, layer("s3", "data"), title=slug)
        act(workshop, "start", "open")
        item = workshop.current_item()
        data = post_for(item.incident) if item.is_incident else right_post(item)
        browser, participant = join(workshop)
        assumed = []
        original = views.new_answer_signature

        def spy(answer, choice_ids):
            assumed.append(original(answer, choice_ids))
            return assumed[-1]

        with mock.patch.object(views, "new_answer_signature", spy):
            response = browser.post(answer_url(workshop, item), data, headers=HTMX)
        assert response.status_code == 200
        assert assumed == [answer_signature(participant.pk, workshop)]

    def test_an_answer_costs_a_fixed_number_of_queries(
        self, workshop, django_assert_max_num_queries
    ):
        act(workshop, "start", "next", "open")
        item = workshop.current_item()
        first, _one = join(workshop, "One")
        second, _two = join(workshop, "Two")
        data = right_post(item)
        first.post(answer_url(workshop, item), data, headers=HTMX)
        # Workshop, participant, item, its choices; the deadline check, the answer and
        # its choices (with the savepoints around them); the page from the cache.
        with django_assert_max_num_queries(11):
            response = second.post(answer_url(workshop, item), data, headers=HTMX)
        assert "Locked in" in response.text
