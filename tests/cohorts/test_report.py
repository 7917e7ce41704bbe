"""The cohort report page: counts, rows, status at the due-date edges, filter and sort."""

import re

import pytest
from django.utils import timezone

from cohorts.models import Cohort, Membership
from lessons.models import Lesson
from quiz.models import Quiz
from tests.cohorts.conftest import (
    add_members,
    certify,
    complete_lessons,
    open_lesson,
    submit_practice,
)

pytestmark = pytest.mark.django_db


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)<span', html)


def status_of(html: str, name: str) -> str:
    row = re.search(rf'<th scope="row">{name}<.*?</tr>', html, re.DOTALL).group(0)
    return re.search(r'class="status-tag[^"]*">([^<]+)<', row).group(1)


def test_each_member_has_a_row_with_their_figures(course, manager_client, cohort):
    ann, ben, cat = add_members(cohort, 3)
    complete_lessons(ann)
    complete_lessons(ben, 2)
    open_lesson(cat)
    quizzes = list(Quiz.objects.practice()[:2])
    submit_practice(ben, quizzes[0], 70)
    submit_practice(ben, quizzes[1], 85)
    html = manager_client.get(cohort.get_absolute_url()).text
    ben_row = re.search(r'<th scope="row">Member 0001<.*?</tr>', html, re.DOTALL).group(0)
    assert f"2 of {Lesson.objects.count()}" in ben_row
    assert "85%" in ben_row
    assert f"2 of {Quiz.objects.practice().count()} quizzes taken" in ben_row
    assert [status_of(html, name) for name in ("Member 0000", "Member 0001", "Member 0002")] == [
        "Done",
        "In progress",
        "In progress",
    ]
    counts = re.findall(r'cohort-counts__number">(\d+)</span> ([a-z ]+)<', html)
    assert counts == [
        ("3", "members"),
        ("0", "overdue"),
        ("0", "not started"),
        ("2", "in progress"),
        ("1", "done"),
    ]
    assert "<caption>3 of 3 members shown</caption>" in html


@pytest.mark.parametrize(
    ("days_after_due", "expected"),
    [(-1, "In progress"), (0, "In progress"), (1, "Overdue")],
)
def test_status_at_the_due_date_edges(course, manager, client, clock, days_after_due, expected):
    cohort = Cohort.objects.create(name="Edge", owner=manager, due_date=timezone.localdate())
    started, finished = add_members(cohort, 2)
    open_lesson(started)
    complete_lessons(finished)
    clock(days_after_due)
    client.force_login(manager)
    html = client.get(cohort.get_absolute_url()).text
    assert status_of(html, "Member 0000") == expected
    assert status_of(html, "Member 0001") == "Done"


def test_practice_quizzes_count_only_when_the_cohort_requires_them(course, manager_client, cohort):
    member = add_members(cohort, 1)[0]
    complete_lessons(member)
    assert status_of(manager_client.get(cohort.get_absolute_url()).text, "Member 0000") == "Done"
    cohort.requires_practice_quizzes = True
    cohort.save()
    html = manager_client.get(cohort.get_absolute_url()).text
    assert status_of(html, "Member 0000") == "In progress"
    for quiz in Quiz.objects.practice():
        submit_practice(member, quiz, 10)
    assert status_of(manager_client.get(cohort.get_absolute_url()).text, "Member 0000") == "Done"


def test_filter_by_status_and_sort_by_any_column(course, manager_client, cohort):
    ann, ben, cat, _dan = add_members(cohort, 4)
    complete_lessons(ann, 1)
    complete_lessons(ben, 5)
    complete_lessons(cat)
    url = cohort.get_absolute_url()
    html = manager_client.get(url, {"status": "in_progress"}).text
    assert names_in_order(html) == ["Member 0000", "Member 0001"]
    assert "<caption>2 of 4 members shown</caption>" in html
    assert names_in_order(manager_client.get(url, {"sort": "-lessons"}).text) == [
        "Member 0002",
        "Member 0001",
        "Member 0000",
        "Member 0003",
    ]
    by_status = manager_client.get(url, {"sort": "status"}).text
    assert names_in_order(by_status) == [
        "Member 0003",
        "Member 0000",
        "Member 0001",
        "Member 0002",
    ]
    assert '<th scope="col" aria-sort="ascending"><a href="?sort=-status">Status</a>' in by_status
    assert names_in_order(manager_client.get(url, {"sort": "-name"}).text)[0] == "Member 0003"


def test_sorting_by_score_puts_no_score_lowest(course, manager_client, cohort):
    ann, ben, _cat = add_members(cohort, 3)
    quiz = Quiz.objects.practice().first()
    submit_practice(ann, quiz, 90)
    submit_practice(ben, quiz, 30)
    html = manager_client.get(cohort.get_absolute_url(), {"sort": "score"}).text
    assert names_in_order(html) == ["Member 0002", "Member 0001", "Member 0000"]


@pytest.mark.parametrize(
    "query", [{"sort": "password"}, {"status": "finished"}, {"sort": "name; drop table"}]
)
def test_bad_filter_or_sort_is_a_400(manager_client, cohort, query):
    response = manager_client.get(cohort.get_absolute_url(), query)
    assert response.status_code == 400
    assert "We could not understand that request" in response.text


def test_htmx_gets_only_the_members_section(course, manager_client, cohort):
    add_members(cohort, 2)
    url = cohort.get_absolute_url()
    full = manager_client.get(url, {"sort": "-name"}).text
    fragment = manager_client.get(url, {"sort": "-name"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert fragment.text.strip().startswith('<section id="members"')
    members = re.search(r'<section id="members".*?</section>', full, re.DOTALL).group(0)
    assert _without_csrf(fragment.text.strip()) == _without_csrf(members)
    assert "HX-Request" in fragment.headers["Vary"]


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize("members", [5, 500])
def test_page_cost_is_the_same_for_5_or_500_members(
    course, manager_client, cohort, django_assert_num_queries, members
):
    users = add_members(cohort, members)
    for user in users[::2]:
        open_lesson(user)
    submit_practice(users[1], Quiz.objects.practice().first(), 50)
    certify(users[2])
    # session, user, permissions, cohort, members, lessons, practice, certificates,
    # 2 totals, and the cohort's top misconceptions
    with django_assert_num_queries(11):
        response = manager_client.get(cohort.get_absolute_url(), {"sort": "status"})
    assert response.text.count('<th scope="row">') == members


def test_an_empty_cohort_says_how_to_add_members(manager_client, cohort):
    html = manager_client.get(cohort.get_absolute_url()).text
    assert "This cohort has no members yet. Import them from a CSV file." in html


def test_removing_a_member_keeps_their_account_and_progress(course, manager_client, cohort):
    member = add_members(cohort, 1)[0]
    complete_lessons(member, 2)
    membership = Membership.objects.get(user=member)
    url = f"/cohorts/{cohort.slug}/members/{membership.pk}/remove"
    response = manager_client.post(url, follow=True)
    assert "Member 0000 is no longer in this cohort. Their progress is kept." in response.text
    assert cohort.memberships.count() == 0
    assert member.lesson_progress.count() == 2
    assert manager_client.post(url).status_code == 404


def row_of(html: str, name: str) -> str:
    return re.search(rf'<th scope="row">{name}<.*?</tr>', html, re.DOTALL).group(0)


def test_exam_and_certificate_columns(course, manager_client, cohort):
    valid, expired, revoked, _none = add_members(cohort, 4)
    code = certify(valid).code
    certify(expired, issued_days_ago=400)
    certify(revoked, revoked=True)
    html = manager_client.get(cohort.get_absolute_url()).text
    assert "<td>Passed</td>" in row_of(html, "Member 0000")
    assert code in row_of(html, "Member 0000")
    assert "Expires " in row_of(html, "Member 0000")
    assert "<td>Passed</td>" in row_of(html, "Member 0001")
    assert "Expired " in row_of(html, "Member 0001")
    assert "<td>Not passed</td>" in row_of(html, "Member 0002")
    assert "Revoked" in row_of(html, "Member 0002")
    assert "<td>Not passed</td>" in row_of(html, "Member 0003")


def test_an_exam_requirement_needs_a_valid_certificate(course, manager_client, cohort):
    cohort.requires_course = False
    cohort.requires_exam = True
    cohort.save()
    valid, expired = add_members(cohort, 2)
    certify(valid)
    certify(expired, issued_days_ago=400)
    html = manager_client.get(cohort.get_absolute_url()).text
    assert "the exam, with a valid certificate" in html
    assert status_of(html, "Member 0000") == "Done"
    assert status_of(html, "Member 0001") == "In progress"
