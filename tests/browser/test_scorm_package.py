"""The exported SCORM 1.2 package, played in Chromium inside a real SCORM 1.2 runtime.

The harness page (written below) is what an LMS does: it puts scorm-again's Scorm12API on
window.API and opens one SCO in a frame. The learner reads the steps and answers the
practice quiz; the test then reads what the runtime received and kept. The right answers
come from the database, never from the package, so a package that scores wrongly fails.

scorm-again is installed by npm into tests/browser/scorm_runtime (`npm install
--no-package-lock` there; .ci/run does it).
"""

import functools
import http.server
import io
import os
import re
import threading
import zipfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from quiz.models import Quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

RUNTIME = Path(__file__).parent / "scorm_runtime" / "node_modules" / "scorm-again" / "dist"
LESSON = "two-owners-one-house"
EXPLORED = "the-stack"  # its first step draws the EC2 stack

HARNESS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LMS harness</title>
<link rel="icon" href="data:,">
<script src="scorm12.js"></script><script src="harness.js"></script></head>
<body><iframe id="sco" title="Lesson" width="1200" height="900"></iframe></body></html>
"""
# Every call the SCO makes, in order, as the LMS sees it.
HARNESS_JS = """
window.API = new Scorm12API({ autocommit: false, logLevel: 5 });
window.scormCalls = [];
["LMSInitialize", "LMSCommit", "LMSFinish"].forEach(function (name) {
  API.on(name, function () { window.scormCalls.push([name]); });
});
API.on("LMSSetValue.cmi.*", function (element, value) {
  window.scormCalls.push(["LMSSetValue", element, String(value)]);
});
window.addEventListener("DOMContentLoaded", function () {
  document.getElementById("sco").src = new URLSearchParams(location.search).get("sco");
});
"""


@pytest.fixture
def lms_site(course, tmp_path):
    """The package unzipped beside the harness, served on 127.0.0.1 like an LMS would."""
    if not (RUNTIME / "scorm12.js").exists():
        message = (
            f"scorm-again missing: run `npm install --no-package-lock` in {RUNTIME.parents[2]}"
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    package = tmp_path / "course.zip"
    lessons = ["--lesson", LESSON, "--lesson", EXPLORED]
    call_command("export_scorm", str(package), *lessons, stdout=io.StringIO())
    site = tmp_path / "site"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(site / "package")
    (site / "scorm12.js").write_bytes((RUNTIME / "scorm12.js").read_bytes())
    (site / "harness.html").write_text(HARNESS_HTML)
    (site / "harness.js").write_text(HARNESS_JS)
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def answers_from_the_database(right: bool) -> dict[int, object]:
    """Per practice question: the choice ids to tick, or each layer's owner to pick."""
    quiz = Quiz.objects.practice().get(lesson__slug=LESSON)
    answers = {}
    for question in quiz.drawable_questions().prefetch_related("choices"):
        if question.is_classify:
            owners = question.classify_key
            other = {"aws": "customer", "customer": "aws"}
            answers[question.pk] = {
                slug: owner if right else other[owner] for slug, owner in owners.items()
            }
        else:
            choices = list(question.choices.all())
            if right:
                answers[question.pk] = [c.pk for c in choices if c.is_correct]
            else:
                answers[question.pk] = [next(c.pk for c in choices if not c.is_correct)]
    assert answers, "the lesson has no practice questions to answer"
    return answers


def play(browser, lms_site, answers):
    """Read every step, answer the quiz, close the SCO; return the page and the calls."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{lms_site}/harness.html?sco=package/{LESSON}/index.html")
    sco = page.frame_locator("#sco")
    sco.get_by_text("Connected to your learning system").wait_for()
    for _hop in range(30):
        next_button = sco.locator("[data-step]:not([hidden]) .pager .button").last
        label = next_button.inner_text()
        next_button.click()
        if "check yourself" in label:
            break
    sco.locator("#quiz").wait_for()
    for question_id, answer in answers.items():
        if isinstance(answer, dict):
            for slug, owner in answer.items():
                sco.locator(f'input[name="q{question_id}-layer-{slug}"][value="{owner}"]').check()
        else:
            for choice_id in answer:
                sco.locator(f'input[name="q{question_id}-choice"][value="{choice_id}"]').check()
    sco.get_by_role("button", name="Check answers").click()
    sco.locator("[data-result]:not([hidden])").wait_for()
    result_text = sco.locator("[data-result]").inner_text()
    # The LMS closes the SCO: its page unloads and must say goodbye (LMSFinish).
    page.evaluate("() => { document.getElementById('sco').src = 'about:blank'; }")
    page.wait_for_function("() => window.scormCalls.some((call) => call[0] === 'LMSFinish')")
    calls = page.evaluate("() => window.scormCalls")
    kept = page.evaluate(
        """() => ({
            status: API.cmi.core.lesson_status,
            raw: API.cmi.core.score.raw,
            min: API.cmi.core.score.min,
            max: API.cmi.core.score.max,
            error: String(API.lastErrorCode),
        })"""
    )
    context.close()
    return calls, kept, result_text, requests, errors


def set_values(calls, element):
    return [call[2] for call in calls if call[0] == "LMSSetValue" and call[1] == element]


def test_a_learner_who_answers_right_passes_with_full_marks(browser, lms_site):
    calls, kept, result_text, requests, errors = play(
        browser, lms_site, answers_from_the_database(right=True)
    )
    assert errors == []
    names = [call[0] for call in calls if call[0] != "LMSSetValue"]
    assert names[0] == "LMSInitialize"
    assert names[-1] == "LMSFinish"
    assert "LMSCommit" in names
    # Reading to the end completes the lesson; the quiz then passes it.
    assert set_values(calls, "cmi.core.lesson_status") == ["incomplete", "completed", "passed"]
    assert set_values(calls, "cmi.core.score.raw") == ["100"]
    assert set_values(calls, "cmi.core.score.min") == ["0"]
    assert set_values(calls, "cmi.core.score.max") == ["100"]
    assert kept == {"status": "passed", "raw": "100", "min": "0", "max": "100", "error": "0"}
    assert set_values(calls, "cmi.core.exit") == [""]  # done, not suspended
    (session_time,) = set_values(calls, "cmi.core.session_time")
    assert re.fullmatch(r"\d{4}:\d{2}:\d{2}\.\d{2}", session_time), session_time
    assert "100%" in result_text
    # No request leaves the LMS: everything the SCO needs is in the package.
    assert requests
    assert all(url.startswith(lms_site) for url in requests), requests


def test_a_learner_who_answers_wrong_fails_with_zero(browser, lms_site):
    calls, kept, result_text, _requests, errors = play(
        browser, lms_site, answers_from_the_database(right=False)
    )
    assert errors == []
    assert set_values(calls, "cmi.core.lesson_status")[-1] == "failed"
    assert kept["status"] == "failed"
    assert kept["raw"] == "0"
    assert "0%" in result_text


def test_a_lesson_works_without_an_lms_and_its_explorer_opens_each_layer(browser, lms_site):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{lms_site}/package/{EXPLORED}/index.html")
    page.get_by_text("Not connected to a learning system").wait_for()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    step = page.locator("[data-step]:not([hidden])")
    panels = step.locator("[data-layer-panel]")
    assert panels.count() > 1
    assert step.locator("[data-layer-panel]:not([hidden])").count() == 1
    band = step.locator('a.stack-band[href$="--operating-system"]')
    band.click()
    opened = step.locator("[data-layer-panel]:not([hidden])")
    assert opened.count() == 1
    assert opened.get_attribute("id").endswith("--operating-system")
    assert band.get_attribute("aria-current") == "true"
    assert opened.locator("h4").evaluate("(node) => node === document.activeElement")
    assert errors == []
    context.close()
