import re

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/certificates/",
]


# One <h1>, no inline script or style on every page: tests/sharedresp/test_every_page.py.
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_a_main_landmark_and_a_link_to_skip_to_it(client, path):
    html = client.get(path).text
    assert '<main id="main"' in html
    assert 'href="#main"' in html


def test_htmx_is_served_from_our_own_static_files(client):
    html = client.get("/").text
    assert re.search(r'<script src="/static/django_htmx/htmx-2[^"]*\.js"', html)
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "https://" not in html.split("<main")[0]


def test_navigation_fits_the_person(client, learner, staff):
    assert "Log in" in client.get("/").text
    client.force_login(learner)
    html = client.get("/").text
    assert "Log out" in html
    assert "Admin" not in html
    client.force_login(staff)
    assert 'href="/admin/"' in client.get("/").text


def test_404_is_a_human_page_in_the_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'class="site-header"' in response.text


def test_400_for_a_bad_host_is_a_human_page(client):
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "We could not understand that request" in response.text


def test_500_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_healthz_makes_a_database_round_trip(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"
