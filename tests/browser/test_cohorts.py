import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from lessons.models import Lesson
from sharedresp.roles import grant_role_permissions
from tests.browser.conftest import follow
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "onboarding passphrase 2030"


@pytest.fixture(autouse=True)
def manager_group(transactional_db):
    """A migration makes the group; an earlier transactional test's flush removes it."""
    grant_role_permissions(Group, Permission)


def log_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def upload(page, data: bytes):
    page.get_by_label("CSV file").set_input_files(
        {"name": "joiners.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Check and import").click()


def row(page, name):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(name)))


def test_a_manager_onboards_a_group_and_sees_who_finished(
    course, manager, new_page, mailoutbox, run_tasks
):
    page, watcher = new_page()
    log_in(page, manager.email)
    follow(page.get_by_role("link", name="Cohorts"))
    watcher.check()
    page.get_by_role("link", name="Create a cohort").click()
    page.get_by_label("Name").fill("March joiners")
    page.get_by_label("Due date").fill("2030-03-31")
    page.get_by_label("Every lesson of the course").check()
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("heading", name="Import employees from a CSV file")).to_be_visible()
    watcher.check()

    # A file with a bad row imports nothing and says what is wrong, line by line.
    upload(page, b"email,name\nana@example.com,Ana Ruiz\nnot-an-email,Li Wei\n")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("line 3: email address: Enter a valid email address.")
    expect(summary).to_be_focused()
    watcher.check()

    upload(page, b"email,name\nana@example.com,Ana Ruiz\nli@example.com,Li Wei\n")
    expect(page.get_by_role("status")).to_contain_text("Import complete: 2 memberships added")
    expect(page.get_by_role("heading", name="March joiners", level=1)).to_be_visible()
    expect(row(page, "Ana Ruiz")).to_contain_text("Not started")
    expect(row(page, "Li Wei")).to_contain_text(f"0 of {Lesson.objects.count()}")
    watcher.check()

    # Ana sets her password from the email and completes the course in her own browser.
    learner_page, learner_watcher = new_page()
    run_tasks()  # the import queued the welcome emails; the worker sends them
    body = next(mail.body for mail in mailoutbox if mail.to == ["ana@example.com"])
    learner_page.goto(re.search(r"https?://\S+/accounts/reset/\S+", body).group(0))
    learner_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    learner_page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    learner_page.get_by_role("button", name="Set new password").click()
    log_in(learner_page, "ana@example.com", NEW_PASSWORD)
    assignments = learner_page.get_by_role("region", name="Your assignments")
    expect(assignments).to_contain_text("March joiners")
    expect(assignments).to_contain_text("Due Sunday 31 March 2030")
    expect(assignments).to_contain_text("Not started")
    learner_watcher.check()
    for lesson in Lesson.objects.all():
        for step in lesson.steps.all():  # a lesson is complete only once every step is seen
            learner_page.goto(step.get_absolute_url())
        learner_page.get_by_role("button", name="Mark lesson complete").click()
        expect(learner_page.get_by_role("status")).to_contain_text("Lesson complete")
    learner_page.goto("/")
    expect(assignments).to_contain_text("Done")
    learner_watcher.check()

    # The manager's report shows it; the filter works in place with htmx.
    page.reload()
    lessons = Lesson.objects.count()
    expect(row(page, "Ana Ruiz")).to_contain_text(f"{lessons} of {lessons}")
    expect(row(page, "Ana Ruiz")).to_contain_text("Done")
    expect(page.get_by_role("link", name="1 done")).to_be_visible()
    watcher.check()
    page.evaluate("() => { window.sameDocument = true; }")
    page.get_by_label("Show").select_option("done")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"\?status=done&sort=name$"))
    expect(page.get_by_role("table")).to_contain_text("1 of 2 members shown")
    expect(page.get_by_role("heading", name="Members")).to_be_focused()
    assert page.evaluate("() => window.sameDocument === true")
    expect(row(page, "Li Wei")).to_have_count(0)
    page.get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"\?status=done&sort=-name$"))
    watcher.check()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    report = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert f"Ana Ruiz,ana@example.com,{lessons},{lessons}," in report
    assert ",Done,2030-03-31" in report
    assert f"Li Wei,li@example.com,0,{lessons}," in report
