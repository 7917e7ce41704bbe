"""Request bodies over the limit are refused from their Content-Length, unread."""

import pytest

pytestmark = pytest.mark.django_db


class Unreadable:
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_a_50_mb_upload_is_refused_before_it_is_read(client):
    response = client.generic(
        "POST",
        "/cohorts/import/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50_000_000),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert "larger than 2.0 MB, so it was not read" in response.text
    assert response["Connection"] == "close"


def test_a_body_within_the_limit_goes_through(client, settings):
    settings.MAX_REQUEST_BYTES = 10
    assert client.post("/accounts/login/", {"username": "x"}).status_code == 413
    settings.MAX_REQUEST_BYTES = 10_000
    assert client.post("/accounts/login/", {"username": "x"}).status_code == 200
