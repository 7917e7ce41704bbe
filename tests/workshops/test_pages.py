"""Every workshop page: one <h1>, no inline script or style, works without htmx; and
each fragment is the very markup of its full page."""

import re

import pytest

from .conftest import act, join

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def pages(workshop):
    code = workshop.code
    item = workshop.items.first()
    host = [
        "/workshops/",
        f"/workshops/{code}/",
        f"/workshops/{code}/items/{item.pk}/",
        f"/workshops/{code}/host/",
        f"/workshops/{code}/results/",
    ]
    return host, ["/join/", f"/join/{code}/"]


def check(html):
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert '<main id="main"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html) is None
    assert " style=" not in html
    assert "hx-on" not in html
    assert "https://" not in html


@pytest.mark.parametrize("moment", [(), ("start", "next", "open"), ("start", "end")])
def test_every_page_is_whole_without_javascript(workshop, facilitator_client, moment):
    browser, _participant = join(workshop)
    act(workshop, *moment)
    host_pages, participant_pages = pages(workshop)
    for path in host_pages:
        response = facilitator_client.get(path)
        assert response.status_code == 200, path
        check(response.text)
    for path in participant_pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        check(response.text)


def inner(html, element_id):
    """The element with this id and what it holds, as it stands in a page."""
    start = html.index(f'id="{element_id}"')
    start = html.rindex("<", 0, start)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, position = 0, start
    for match in re.finditer(rf"<(/?){tag}[\s>]", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = start + match.end()
            break
    return html[start : html.index(">", position - 1) + 1]


def without_tokens(html):
    """CSRF tokens are masked afresh on every response; spacing does not count. A timed
    question's countdown carries the server's clock (data-now) and the seconds left, which
    move between two requests: they are masked too, the deadline itself is still compared."""
    html = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>', "", html)
    html = re.sub(r'data-now="[^"]*"', 'data-now=""', html)
    html = re.sub(r'(<span class="countdown__number"[^>]*>)\s*\d+\s*<', r"\1<", html)
    html = re.sub(r"\d+ seconds? left when this was shown", "seconds left", html)
    return re.sub(r"\s+", " ", html).strip()


def test_the_fragments_are_the_markup_of_the_full_pages(workshop, facilitator_client):
    browser, _participant = join(workshop)
    act(workshop, "start", "next", "open")
    console = without_tokens(facilitator_client.get(f"/workshops/{workshop.code}/host/").text)
    live_panel = facilitator_client.get(
        f"/workshops/{workshop.code}/host/?fragment=host-live", headers=HTMX
    ).text
    assert without_tokens(live_panel) == inner(console, "host-live")
    whole = facilitator_client.get(
        f"/workshops/{workshop.code}/host/?fragment=console", headers=HTMX
    ).text
    assert without_tokens(whole) == inner(console, "console")
    page = browser.get(f"/join/{workshop.code}/").text
    polled = browser.get(f"/join/{workshop.code}/state?v=1", headers=HTMX).text
    fragment = without_tokens(polled.split('<div id="live-announcer"')[0])
    # The poll's copy moves focus to the heading and leaves the token to the header.
    fragment = fragment.replace(" data-swap-focus", "")
    assert fragment == inner(without_tokens(page), "live")
