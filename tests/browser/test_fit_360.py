"""Every page the crawl reaches fits a 360 px phone: nothing scrolls sideways.

The crawl follows same-site links from the home page as four people (anonymous, a learner
with a certificate, a facilitator with a finished workshop, a manager with a cohort), at
most two pages of each address shape (/explorer/*/*/ and so on) so it stays short.
"""

import io
import re
from collections import Counter
from urllib.parse import urldefrag, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from quiz.models import Attempt, Quiz
from sharedresp.management.commands.demo import PASSWORD
from tests.quiz.conftest import answer_right

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not ours to lay out (Django's admin), or not pages (files, downloads, feeds).
SKIP = re.compile(r"^/(admin|static|media)/|\.(svg|csv|png|txt|xlsx)$|/export|/events$")
PER_SHAPE = 4
PEOPLE = [None, "learner@demo.test", "facilitator@demo.test", "manager@demo.test"]

# The elements that stick out past the right edge, for a message that says where to look.
WIDEST = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > window.innerWidth + 0.5 && box.width > 0) {
      const name = el.getAttribute("class") || el.id || "";
      out.push(`${el.tagName.toLowerCase()} ${name} right=${Math.round(box.right)}`);
    }
  }
  return out.slice(0, 5);
}"""


@pytest.fixture
def world(course):
    """The demo's people and records, plus a certificate and a practice score."""
    with override_settings(DEBUG=True):
        call_command("demo", stdout=io.StringIO())
    learner = get_user_model().objects.get(email="learner@demo.test")
    exam = Quiz.objects.available().filter(mode=Quiz.Mode.EXAM).first()
    attempt, _created = Attempt.objects.start(learner, exam)
    for position in range(1, attempt.question_total + 1):
        answer_right(attempt, position)
    attempt.submit()
    assert attempt.passed


def shape(path):
    """/explorer/ec2/data/ and /explorer/s3/network/ have one shape: /explorer/*/*."""
    parts = path.strip("/").split("/")
    return "/" + parts[0] + "/*" * (len(parts) - 1)


def crawl(page, start="/"):
    base = urlsplit(page.url)
    seen, shapes, too_wide = set(), Counter(), []
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        # Closed disclosures (a lesson's sources) are opened: they must fit too.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 360:
            too_wide.append((path, width, page.evaluate(WIDEST)))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            url = urlsplit(urldefrag(href)[0])
            if url.netloc != base.netloc or SKIP.search(url.path):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            key = shape(url.path) + ("?" if url.query else "")
            if target not in seen and target not in queue and shapes[key] < PER_SHAPE:
                shapes[key] += 1
                queue.append(target)
    return seen, too_wide


def test_no_page_scrolls_sideways_at_360(world, browser, live_server):
    report = {}
    for email in PEOPLE:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 360, "height": 740}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/")
        if email:
            page.goto("/accounts/login/")
            page.fill("input[name=username]", email)
            page.fill("input[name=password]", PASSWORD)
            page.locator("main").get_by_role("button", name="Log in").click()
            page.wait_for_url(re.compile(r"/$"))
        seen, too_wide = crawl(page)
        report[email or "anonymous"] = (len(seen), too_wide)
        context.close()
    for person, (count, _wide) in report.items():
        assert count >= 15, f"the crawl as {person} reached only {count} pages"
    problems = {person: wide for person, (_count, wide) in report.items() if wide}
    assert problems == {}, problems
