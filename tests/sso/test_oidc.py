"""Single sign-on with OpenID Connect against a real provider (django-oauth-toolkit),
which the session starts on 127.0.0.1: accounts from claims, roles from groups."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD, make_user

from .conftest import PEOPLE

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORDS = {username: password for username, password, *_rest in PEOPLE}


def sign_in(client, username, next_url=""):
    """Follow the whole code flow: our site, the provider's login form, back to our site."""
    start = client.get("/accounts/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    provider = requests.Session()
    login_page = provider.get(start["Location"], timeout=30)
    assert "Example Corp sign-in" in login_page.text
    response = provider.post(
        login_page.url,
        data={
            "username": username,
            "password": PASSWORDS[username],
            "csrfmiddlewaretoken": provider.cookies["idp_csrftoken"],
            "next": parse_qs(urlsplit(login_page.url).query)["next"][0],
        },
        allow_redirects=False,
        timeout=30,
    )
    location = response.headers["Location"]
    while not location.startswith("http://testserver/"):
        if location.startswith("/"):
            location = f"{urlsplit(login_page.url)._replace(path='', query='').geturl()}{location}"
        location = provider.get(location, allow_redirects=False, timeout=30).headers["Location"]
    return client.get(location.removeprefix("http://testserver"))


def signed_in_user(client):
    return client.get("/").context["user"]


def test_the_first_sign_in_makes_the_account_from_the_claims(client, oidc):
    response = sign_in(client, "fran")
    assert response.status_code == 302
    assert response["Location"] == "/"
    fran = User.objects.get()
    assert fran.email == "fran.okafor@example.com"  # the site's one rule
    assert fran.name == "Fran Okafor"
    assert not fran.has_usable_password()
    assert signed_in_user(client) == fran
    assert fran.is_facilitator
    assert not fran.is_manager


def test_roles_follow_the_providers_groups_at_every_sign_in(client, oidc):
    lee = make_user("LEE@example.com", "Lee Learner", groups=["Facilitator", "Manager"])
    sign_in(client, "lee")
    lee = User.objects.get(pk=lee.pk)
    assert set(lee.groups.values_list("name", flat=True)) == set()
    client.post("/accounts/logout/")
    sign_in(client, "mona")
    mona = User.objects.get(email="mona@example.com")
    assert set(mona.groups.values_list("name", flat=True)) == {"Manager"}
    assert User.objects.count() == 2


def test_an_existing_account_is_the_same_person(client, oidc):
    fran = make_user("fran.okafor@example.com", "Fran O.")
    sign_in(client, "fran")
    assert User.objects.count() == 1
    assert signed_in_user(client) == fran
    fran.refresh_from_db()
    assert fran.check_password(PASSWORD)  # single sign-on leaves the password alone


def test_a_deactivated_account_cannot_come_back_through_the_provider(client, oidc):
    make_user("fran.okafor@example.com", "Fran Okafor", is_active=False)
    response = sign_in(client, "fran")
    assert response["Location"] == "/accounts/login/"
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize("shared_cache", ["dummy.DummyCache", "locmem.LocMemCache"])
def test_an_account_deactivated_while_signed_in_is_signed_out_at_its_next_request(
    client, oidc, settings, shared_cache
):
    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": f"django.core.cache.backends.{shared_cache}"},
    }
    sign_in(client, "fran")
    fran = signed_in_user(client)
    assert fran.is_authenticated
    fran.is_active = False
    fran.save()
    assert not signed_in_user(client).is_authenticated


def test_next_is_kept_through_the_provider(client, oidc):
    response = sign_in(client, "lee", next_url="/lessons/")
    assert response["Location"] == "/lessons/"


def test_with_sign_up_closed_only_superusers_use_a_password(
    client, oidc, settings, learner, staff, mailoutbox
):
    settings.SIGNUP_OPEN = False
    page = client.get("/accounts/login/").text
    assert "Sign in with Example Corp" in page
    assert "Administrators: email and password" in page
    refused = client.post("/accounts/login/", {"username": learner.email, "password": PASSWORD})
    assert "Sign in with Example Corp: this site takes no passwords" in refused.text
    client.post("/accounts/password_reset/", {"email": learner.email})
    assert mailoutbox == []
    admitted = client.post("/accounts/login/", {"username": staff.email, "password": PASSWORD})
    assert admitted.status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "lee")
    assert signed_in_user(client).email == "lee@example.com"


def test_single_sign_on_is_off_by_default(client):
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    assert client.get("/accounts/oidc/callback/").status_code == 404
    assert client.get("/accounts/saml/login/").status_code == 404
    assert client.post("/accounts/saml/acs/").status_code == 404
    assert client.get("/accounts/saml/metadata/").status_code == 404
    assert "Sign in with" not in client.get("/accounts/login/").text
