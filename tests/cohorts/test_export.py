"""The CSV report: streamed in chunks, one row per member, formulas neutralised."""

import csv
import io

import pytest
from django.utils import timezone

from cohorts import report
from lessons.models import Lesson
from plumbing.spreadsheet import safe_cell
from quiz.models import Quiz
from tests.cohorts.conftest import add_members, certify, complete_lessons, submit_practice

pytestmark = pytest.mark.django_db


def download(client, cohort):
    response = client.get(f"/cohorts/{cohort.slug}/report.csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return response, text


def test_the_report_has_a_row_per_member_with_their_figures(course, manager_client, cohort):
    ann, ben = add_members(cohort, 2)
    complete_lessons(ann)
    certificate = certify(ann)
    expires = timezone.localdate(certificate.expires_at).isoformat()
    complete_lessons(ben, 3)
    submit_practice(ben, Quiz.objects.practice().first(), 75)
    response, text = download(manager_client, cohort)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="spring-joiners-report-{report.today().isoformat()}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    assert text.startswith("\ufeff")  # so that spreadsheets read it as UTF-8
    quizzes = str(Quiz.objects.practice().count())
    lessons = str(Lesson.objects.count())
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        [
            "Name",
            "Email",
            "Lessons done",
            "Lessons in the course",
            "Practice quizzes taken",
            "Practice quizzes available",
            "Best practice score (%)",
            "Exam passed",
            "Certificate code",
            "Certificate expires",
            "Certificate status",
            "Status",
            "Due date",
        ],
        [
            "Member 0000",
            "member0@example.com",
            lessons,
            lessons,
            "0",
            quizzes,
            "",
            "yes",
            certificate.code,
            expires,
            "Valid",
            "Done",
            "2030-06-15",
        ],
        [
            "Member 0001",
            "member1@example.com",
            "3",
            lessons,
            "1",
            quizzes,
            "75",
            "no",
            "",
            "",
            "",
            "In progress",
            "2030-06-15",
        ],
    ]


def test_cells_that_a_spreadsheet_would_run_are_neutralised(manager_client, cohort):
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rReturn", "Ann = ok"]
    for user, name in zip(add_members(cohort, len(names)), names, strict=True):
        user.name = name
        user.save()
    _response, text = download(manager_client, cohort)
    cells = {row[0] for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))}
    assert cells >= {
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tTab",
        "'\rReturn",
        "Ann = ok",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("-", "'-"), ("", ""), ("a=b", "a=b"), (-3, -3), (None, None)],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_members_are_read_in_chunks_with_three_queries_each(
    course, manager_client, cohort, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(report, "EXPORT_CHUNK", 2)
    add_members(cohort, 5)
    response = manager_client.get(f"/cohorts/{cohort.slug}/report.csv")
    # Nothing is read until the response is sent: then 2 totals, the members, and
    # 3 queries for each of the 3 chunks.
    with django_assert_num_queries(12):
        lines = list(response.streaming_content)
    assert len(lines) == 1 + 1 + 5  # the byte order mark, the header, the members


def test_revoked_and_expired_certificates_say_so(course, manager_client, cohort):
    expired, revoked = add_members(cohort, 2)
    certify(expired, issued_days_ago=400)
    certify(revoked, revoked=True)
    _response, text = download(manager_client, cohort)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(row[7], row[10]) for row in rows[1:]] == [("yes", "Expired"), ("no", "Revoked")]
