"""A learner earns a certificate in a real browser, and anyone can check it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quiz.models import Attempt
from tests.quiz.conftest import exam_yaml, load, write_bank

from .test_practice_quiz import choose, current_kind, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def exam_content(tmp_path, learner):
    """Four generated exam-only questions, one of each kind, and an exam that asks them all."""
    write_bank(tmp_path / "questions", 2)
    write_bank(tmp_path / "exam-questions", 4, prefix="exam")
    (tmp_path / "exams").mkdir()
    (tmp_path / "exams" / "test-exam.yaml").write_text(exam_yaml())
    load("--questions-dir", str(tmp_path / "questions"))
    return learner


def answer_right(page):
    choose(page, current_kind(page))
    page.get_by_role("button", name="Save answer and continue").click()


def pages_in(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_pass_the_exam_print_the_certificate_and_check_it_elsewhere(exam_content, new_page):
    page, watcher = new_page()
    log_in(page, exam_content)
    page.get_by_role("link", name="Quizzes").click()
    page.get_by_role("link", name="Test exam").click()
    expect(page.get_by_text("Attempts left in this period: 3 of 3.")).to_be_visible()
    watcher.check()
    page.get_by_role("button", name="Start exam").click()
    expect(page.get_by_role("heading", name="Question 1 of 4")).to_be_visible()
    # The script takes over the server's minutes and counts down in minutes and seconds.
    expect(page.locator("[data-timer-clock]")).to_have_text(re.compile(r"^(29:[0-5]\d|30:00)$"))
    watcher.check()

    for position in range(1, 5):
        expect(page.get_by_role("heading", name=f"Question {position} of 4")).to_be_visible()
        answer_right(page)
        # No word on whether it was right: the next screen, or the finish.
        expect(page.locator(".feedback")).to_have_count(0)
    expect(page.get_by_text("You have answered every question.")).to_be_visible()
    watcher.check()
    page.get_by_role("button", name="Finish exam and see my result").click()

    expect(page.get_by_text("You scored 100%")).to_be_visible()
    expect(page.locator(".score-panel__verdict")).to_have_text(re.compile(r"Passed$"))
    code = page.locator(".certificate-panel .certificate-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    watcher.check()

    page.get_by_role("link", name="View and print your certificate").click()
    expect(page.get_by_role("heading", name="Certificate of achievement")).to_be_visible()
    expect(page.get_by_role("button", name="Print this certificate")).to_be_visible()
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0
    watcher.check()
    # Printed: one page on A4 and on Letter, with no site header or navigation.
    for paper in ("A4", "Letter"):
        assert pages_in(page.pdf(format=paper)) == 1, paper
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this certificate")).to_be_hidden()
    link = page.locator(".certificate__url").get_attribute("href")
    assert link.endswith(f"/certificates/{code}/")

    # Anyone: a fresh browser with no session follows the printed address.
    stranger, stranger_watcher = new_page()
    stranger.goto(link)
    expect(stranger.get_by_role("heading", name="Certificate check")).to_be_visible()
    expect(stranger.get_by_text("This certificate is genuine and valid.")).to_be_visible()
    expect(stranger.get_by_text("Alice Learner")).to_be_visible()
    expect(stranger.get_by_role("button", name="Log out")).to_have_count(0)
    stranger_watcher.check()
    stranger.get_by_role("link", name="Check another certificate").click()
    stranger.get_by_label("Certificate code").fill("abcd efgh jkmn")
    stranger.get_by_role("button", name="Check certificate").click()
    expect(stranger.get_by_role("heading", name="Certificate not found")).to_be_visible()
    # The one console error is the page's own status, 404, which is what it should be.
    assert [
        ("404" in error, "/certificates/ABCD-EFGH-JKMN/" in error)
        for error in stranger_watcher.errors
    ] == [(True, True)]
    stranger_watcher.errors.clear()
    stranger_watcher.check()

    page.emulate_media(media="screen")
    page.goto("/")
    expect(page.locator(".dashboard-certificates")).to_contain_text(code)
    watcher.check()


def test_the_countdown_speaks_at_five_minutes_and_the_server_refuses_a_late_answer(
    exam_content, new_page, browser, live_server
):
    page, watcher = new_page()
    log_in(page, exam_content)
    page.goto("/quizzes/test-exam/")
    page.get_by_role("button", name="Start exam").click()
    expect(page.get_by_role("heading", name="Question 1 of 4")).to_be_visible()
    attempt = Attempt.objects.get()
    announcer = page.locator("[data-timer-announce]")
    expect(announcer).to_have_text("")

    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=302))
    page.reload()
    expect(announcer).to_have_text("", timeout=1000)  # nothing said while above 5 minutes
    expect(announcer).to_have_text("5 minutes left.", timeout=5000)
    watcher.check()

    # Without JavaScript the page states the server's count.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        plain = context.new_page()
        log_in(plain, exam_content)
        plain.goto(page.url)
        expect(plain.locator("[data-timer-clock]")).to_have_text(re.compile(r"^\s*4 minutes\s*$"))
    finally:
        context.close()

    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=2))
    page.reload()
    expect(page.get_by_text("Time is up: no more answers are accepted.")).to_be_visible()
    expect(announcer).to_have_text("Time is up.")
    # The page counts whole seconds down from the server's; make sure the server agrees.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    answer_right(page)
    expect(page.get_by_text("Answers after the deadline are not accepted")).to_be_visible()
    expect(page.get_by_text("You scored 0%")).to_be_visible()
    assert not attempt.answers.exists()
    watcher.check()
