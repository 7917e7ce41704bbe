"""LTI 1.3 end to end against a platform the tests start on 127.0.0.1 (tests/lms/platform.py):
login, launch and single sign-on, grade passback through AGS, deep linking, and the
launches that must be refused."""

import re
from html import unescape

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from jwcrypto import jwk

from lms.models import GradeLink, PlatformAccount
from quiz.models import Attempt, Quiz
from tests.conftest import PASSWORD
from tests.quiz.conftest import answer_right

from .platform import CLIENT_ID, DEPLOYMENT, LTI

pytestmark = pytest.mark.django_db(transaction=True)


def form_of(page: str, marker: str = "") -> tuple[str, dict]:
    """The action and hidden fields of the first form (with `marker`) in an HTML page."""
    action = unescape(re.search(rf'<form[^>]*action="([^"]*)"[^>]*{marker}', page).group(1))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    return action, {name: unescape(value) for name, value in fields.items()}


class Browser:
    """A person's browser: a cookie jar that follows the platform's forms."""

    def __init__(self, base: str, platform):
        self.session = requests.Session()
        self.base, self.platform = base, platform

    def start_launch(self, hint: str) -> tuple[str, dict]:
        """The platform starts the OIDC login; returns the self-posting launch form."""
        login = self.session.post(
            f"{self.base}/lti/login/",
            data={
                "iss": self.platform.issuer,
                "login_hint": hint,
                "target_link_uri": f"{self.base}/lti/launch/",
                "client_id": CLIENT_ID,
                "lti_deployment_id": DEPLOYMENT,
            },
            allow_redirects=False,
            timeout=10,
        )
        assert login.status_code == 302, login.text
        auth = self.session.get(login.headers["Location"], timeout=10)
        assert auth.status_code == 200, auth.text
        return form_of(auth.text)

    def launch(self, hint: str) -> requests.Response:
        action, fields = self.start_launch(hint)
        return self.session.post(action, data=fields, timeout=10)

    def post_form(self, path: str, data: dict) -> requests.Response:
        page = self.session.get(f"{self.base}{path}", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.session.post(
            f"{self.base}{path}",
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": f"{self.base}{path}"},
            timeout=10,
        )


@pytest.fixture
def browser(live_server, platform):
    return Browser(live_server.url, platform)


def user_of(browser: Browser):
    """The account the browser's session is signed in to, or None."""
    from importlib import import_module

    from django.conf import settings

    key = browser.session.cookies.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    user_id = store.get("_auth_user_id")
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def test_a_launched_quiz_signs_in_and_its_score_reaches_the_platform(
    browser, platform, small_bank, run_tasks
):
    quiz = small_bank(4)
    platform.resource_link(f"quiz:{quiz.slug}")
    page = browser.launch("hint-sam")
    assert page.status_code == 200
    assert page.url.endswith(quiz.get_absolute_url())
    sam = user_of(browser)
    assert sam.email == "sam@example.com"
    assert sam.name == "Sam Lee"
    assert not sam.has_usable_password()
    assert PlatformAccount.objects.get(subject="sam-0001").user == sam

    attempt, _ = Attempt.objects.start(sam, quiz)
    for position in (1, 2, 3):
        answer_right(attempt, position)
    attempt.submit()  # queues the score; the learner does not wait for the platform
    assert platform.scores == []
    run_tasks()
    (score,) = platform.scores
    assert score["userId"] == "sam-0001"
    assert score["scoreGiven"] == 75
    assert score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["path"] == "/lineitems/link-1/lineitem/scores"
    assert score["query"] == "type=quiz"  # the line item's query is kept
    assert platform.token_errors == []


def test_a_score_waits_out_a_gradebook_outage(browser, platform, small_bank, run_tasks):
    quiz = small_bank(4)
    platform.resource_link(f"quiz:{quiz.slug}")
    browser.launch("hint-sam")
    attempt, _ = Attempt.objects.start(user_of(browser), quiz)
    answer_right(attempt, 1)
    platform.refuse_scores = True
    attempt.submit()
    run_tasks()
    assert platform.scores == []
    platform.record.refresh_from_db()
    assert "HTTP 503" in platform.record.last_error  # shown on the staff page
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2

    platform.refuse_scores = False
    retry.run_after = timezone.now()
    retry.save()
    run_tasks()
    assert [score["scoreGiven"] for score in platform.scores] == [25]


def test_the_same_subject_is_the_same_account_whatever_address_it_claims(
    browser, platform, course
):
    platform.resource_link("lesson:two-owners-one-house", lineitem=False)
    first = browser.launch("hint-sam")
    assert first.url.endswith("/lessons/two-owners-one-house/")
    platform.users["hint-sam"]["email"] = "someone.else@example.com"
    again = Browser(browser.base, platform)
    again.launch("hint-sam")
    assert user_of(again) == user_of(browser)
    assert get_user_model().objects.filter(email="someone.else@example.com").count() == 0
    assert not GradeLink.objects.exists()  # a lesson has no score


def test_an_address_already_here_is_linked_only_after_signing_in(
    browser, platform, learner, small_bank
):
    quiz = small_bank(4)
    platform.resource_link(f"quiz:{quiz.slug}")
    page = browser.launch("hint-alice")  # claims alice@example.com, the learner's address
    assert "/accounts/login/" in page.url
    assert user_of(browser) is None
    assert not PlatformAccount.objects.exists()

    signed_in = browser.post_form(
        f"/accounts/login/?next={reverse('lms:link_account')}",
        {"username": learner.email, "password": PASSWORD},
    )
    assert "Link your accounts" in signed_in.text
    linked = browser.post_form(reverse("lms:link_account"), {})
    assert linked.url.endswith(quiz.get_absolute_url())
    assert PlatformAccount.objects.get(subject="alice-77").user == learner
    assert GradeLink.objects.get().user == learner

    later = Browser(browser.base, platform)
    later.launch("hint-alice")  # from now on the subject signs in directly
    assert user_of(later) == learner


def test_a_trusted_platform_links_an_address_at_once(browser, platform, learner, course):
    platform.record.trust_email = True
    platform.record.save()
    platform.resource_link("lesson:two-owners-one-house", lineitem=False)
    browser.launch("hint-alice")
    assert user_of(browser) == learner


def refused(response, status: int, words: str):
    assert response.status_code == status
    assert words in response.text
    assert "This launch could not be opened" in response.text


def test_forged_expired_replayed_and_stray_launches_are_refused(browser, platform, course):
    platform.resource_link("lesson:two-owners-one-house", lineitem=False)

    platform.signing_key = jwk.JWK.generate(kty="RSA", size=2048, kid="platform-key-1")
    refused(browser.launch("hint-sam"), 403, "not signed by your learning platform")
    platform.signing_key = None

    platform.expires_in = -3600
    refused(browser.launch("hint-sam"), 403, "expired")
    platform.expires_in = 300

    action, fields = browser.start_launch("hint-sam")
    stranger = requests.Session()  # another browser, without the state cookie
    refused(stranger.post(action, data=fields, timeout=10), 403, "did not begin in this browser")

    action, fields = browser.start_launch("hint-sam")
    assert browser.session.post(action, data=fields, timeout=10).status_code == 200
    refused(browser.session.post(action, data=fields, timeout=10), 403, "did not begin")
    # Even with the state cookie put back, the state and its nonce are used up.
    browser.session.cookies.set("lti1p3-state", fields["state"])
    replay = browser.session.post(action, data=fields, timeout=10)
    refused(replay, 403, "already been used")

    platform.message[LTI + "deployment_id"] = "unknown-deployment"
    refused(Browser(browser.base, platform).launch("hint-sam"), 403, "deployment")

    assert PlatformAccount.objects.count() == 1  # only the one good launch signed in


def test_an_unknown_platform_gets_a_human_400(browser, platform):
    response = browser.session.post(
        f"{browser.base}/lti/login/",
        data={"iss": "https://lms.invalid", "login_hint": "x", "target_link_uri": "x"},
        timeout=10,
    )
    refused(response, 400, "not registered")


def test_deep_linking_returns_the_chosen_quiz_signed(browser, platform, small_bank):
    quiz = small_bank(4)
    platform.deep_linking()
    page = browser.launch("hint-sam")
    assert page.url.endswith(reverse("lms:deep_link"))
    assert quiz.title in page.text

    chosen = browser.post_form(reverse("lms:deep_link"), {"target": f"quiz:{quiz.slug}"})
    assert "form-action 'self' " + platform.url in chosen.headers["Content-Security-Policy"]
    action, fields = form_of(chosen.text, "data-lti-return")
    assert action == f"{platform.url}/deep-link-return"
    returned = browser.session.post(action, data=fields, timeout=10)
    assert returned.status_code == 200  # the platform checked it against our keyset
    (claims,) = platform.deep_link_responses
    assert claims["iss"] == CLIENT_ID
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-course-42"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == f"{browser.base}/lti/launch/"
    assert item["custom"] == {"target": f"quiz:{quiz.slug}"}
    assert item["lineItem"]["scoreMaximum"] == 100

    # The platform then launches what was chosen, with a gradebook column.
    platform.resource_link(item["custom"]["target"], resource_id="chosen-1")
    assert browser.launch("hint-sam").url.endswith(quiz.get_absolute_url())
    assert GradeLink.objects.get().quiz == Quiz.objects.get(slug=quiz.slug)
