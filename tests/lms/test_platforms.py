"""The staff page where LTI platforms are registered, our keyset, and LTI being off."""

import json
import time

import pytest
from django.urls import reverse
from jwcrypto import jwk, jwt

from lms import lti
from lms.models import Platform, PlatformAccount, ToolKey

pytestmark = pytest.mark.django_db

URL = reverse("lms:platforms")
VALID = {
    "name": "Company Moodle",
    "issuer": "https://moodle.example.com",
    "client_id": "abc123",
    "deployment_ids": " 1 \n\n 7 ",
    "auth_login_url": "https://moodle.example.com/mod/lti/auth.php",
    "access_token_url": "https://moodle.example.com/mod/lti/token.php",
    "jwks_url": "https://moodle.example.com/mod/lti/certs.php",
}


@pytest.fixture(autouse=True)
def lti_on(settings):
    settings.LTI_ENABLED = True


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_it_works(staff_client, django_assert_max_num_queries):
    Platform.objects.create(**{**VALID, "last_error": "HTTP 401 from the token URL"})
    with django_assert_max_num_queries(4):
        page = staff_client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    for path in ("/lti/login/", "/lti/launch/", "/lti/jwks/"):
        assert f"http://testserver{path}" in text
    assert "HTTP 401 from the token URL" in text  # what failed, for whoever configured it


def test_it_registers_and_changes_a_platform(staff_client):
    response = staff_client.post(URL, VALID)
    assert response.status_code == 302
    platform = Platform.objects.get()
    assert platform.deployments == {"1", "7"}
    assert platform.deployment_ids == "1\n7"
    response = staff_client.post(
        reverse("lms:platform", args=[platform.pk]), {**VALID, "name": "Moodle"}
    )
    assert response.status_code == 302
    platform.refresh_from_db()
    assert platform.name == "Moodle"


def test_it_handles_bad_input(staff_client):
    response = staff_client.post(URL, {**VALID, "deployment_ids": " \n", "jwks_url": "no url"})
    assert response.status_code == 400
    assert b'href="#id_deployment_ids"' in response.content
    assert b'href="#id_jwks_url"' in response.content
    assert b"error-summary" in response.content
    assert not Platform.objects.exists()
    assert staff_client.get(reverse("lms:platform", args=[999])).status_code == 404


def test_it_requires_login(client):
    assert client.get(URL).url.startswith(reverse("login"))


def test_it_checks_the_permission(learner_client):
    assert learner_client.get(URL).status_code == 403


def test_lti_is_off_until_configured(settings, client, staff_client):
    settings.LTI_ENABLED = False
    for name in ("jwks", "login", "launch", "deep_link", "link_account"):
        response = staff_client.get(reverse(f"lms:{name}"))
        assert response.status_code in (404, 405), name
    assert staff_client.get(URL).status_code == 404
    assert client.post(reverse("lms:launch")).status_code == 404


def test_the_keyset_verifies_what_we_sign(client):
    keys = client.get(reverse("lms:jwks")).json()
    assert ToolKey.objects.count() == 1
    assert client.get(reverse("lms:jwks")).json() == keys  # one key, made once
    token = lti.sign({"iss": "us", "aud": "them"})
    checked = jwt.JWT(jwt=token, key=jwk.JWKSet.from_json(json.dumps(keys)), algs=["RS256"])
    assert json.loads(checked.claims) == {"iss": "us", "aud": "them"}
    assert all("d" not in key for key in keys["keys"])  # no private part


def test_a_bad_launch_post_is_a_human_400(client):
    response = client.post(reverse("lms:launch"), {"state": "", "id_token": ""})
    assert response.status_code == 400
    assert b"incomplete" in response.content


def test_a_launch_left_waiting_too_long_is_not_linked(learner_client, settings):
    platform = Platform.objects.create(**VALID)
    session = learner_client.session
    claims = {"sub": "someone", "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "1"}
    session["lti_pending_launch"] = {
        "platform": platform.pk,
        "claims": claims,
        "at": time.time() - 31 * 60,
    }
    session.save()
    response = learner_client.post(reverse("lms:link_account"))
    assert response.status_code == 400
    assert b"no launch to link" in response.content
    assert not PlatformAccount.objects.exists()
