"""Certificates: the holder's printable page, the public check, revocation, renewal."""

import re
from datetime import timedelta

import pytest
import qrcode
from qrcode.image.svg import SvgPathImage

from quiz import views
from quiz.models import Attempt, Certificate

from .conftest import answer_right, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(exam, learner, clock) -> Certificate:
    """The learner's certificate from a perfect exam, issued at the clock's now."""
    attempt = start(learner, "test-exam")
    for position in range(1, 5):
        answer_right(attempt, position)
    attempt.submit()
    return Certificate.objects.get(attempt=attempt)


def facts_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


# The public check


def test_anyone_can_check_a_valid_certificate_and_sees_only_name_course_and_dates(
    certificate, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        response = client.get(f"/certificates/{certificate.code}/")
    assert response.status_code == 200
    main = facts_of(response.text)
    assert "Valid" in main
    assert "This certificate is genuine and valid." in main
    for fact in [
        "Alice Learner",
        "Who secures what on AWS",
        f"{certificate.issued_at:%-d %B %Y}",
        f"{certificate.expires_at:%-d %B %Y}",
    ]:
        assert fact in main
    for private in ["alice@example.com", "score", "%", "Test exam"]:
        assert private not in main
    assert '<meta name="robots" content="noindex">' in response.text
    assert "no-cache" in response["Cache-Control"]


def test_an_expired_certificate_says_expired(certificate, client, clock):
    clock.now = certificate.expires_at
    html = facts_of(client.get(f"/certificates/{certificate.code}/").text)
    assert "This certificate is genuine, but it has expired." in html
    assert "<dt>Expired</dt>" in html


def test_a_revoked_certificate_says_revoked_and_keeps_its_reason_private(
    certificate, client, staff
):
    certificate.revoke(staff, "Exam taken by someone else.")
    html = facts_of(client.get(f"/certificates/{certificate.code}/").text)
    assert "This certificate was revoked and is no longer valid." in html
    assert "someone else" not in html


def test_a_code_is_found_however_it_is_typed(certificate, client):
    sloppy = certificate.code.lower().replace("-", "")
    response = client.get(f"/certificates/{sloppy}/")
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.code}/"
    response = client.get("/certificates/", {"code": f" {certificate.code.lower()} "})
    assert response["Location"] == f"/certificates/{certificate.code}/"


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKMN", "ABCD-EFGH-JKM0", "nonsense", "A" * 40])
def test_an_unknown_or_malformed_code_is_a_clear_not_found(certificate, client, code):
    response = client.get(f"/certificates/{code}/")
    assert response.status_code == 404
    assert "Certificate not found" in response.text
    assert "No certificate has this code." in response.text


def test_the_lookup_form_explains_a_malformed_code(client):
    html = client.get("/certificates/").text
    assert "Check a certificate" in html
    response = client.get("/certificates/", {"code": "12345"})
    assert response.status_code == 200
    assert "That is not a certificate code" in response.text
    assert "Enter the code printed" in client.get("/certificates/", {"code": ""}).text


def test_checks_are_rate_limited_per_address_and_window(certificate, client, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr("quiz.ratelimit.time.time", lambda: now[0])
    for number in range(views.VERIFY_LIMIT):
        code = certificate.code if number % 2 else "ABCD-EFGH-JKMN"  # unknown codes count too
        assert client.get(f"/certificates/{code}/").status_code in {200, 404}
    response = client.get(f"/certificates/{certificate.code}/")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many checks" in response.text
    assert (
        client.get(f"/certificates/{certificate.code}/", REMOTE_ADDR="10.0.0.2").status_code == 200
    )
    now[0] += 60
    assert client.get(f"/certificates/{certificate.code}/").status_code == 200


# The holder's certificate page


def test_the_holder_gets_a_printable_certificate_with_a_qr_code_to_its_check(
    certificate, learner, client, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_assert_max_num_queries(5):  # with the header's role query
        response = client.get(f"/certificates/{certificate.code}/print")
    html = response.text
    assert response.status_code == 200
    for fact in ["Certificate of achievement", "Alice Learner", "Who secures what on AWS"]:
        assert fact in html
    assert certificate.code in html
    verify_url = f"http://testserver/certificates/{certificate.code}/"
    assert f'href="{verify_url}"' in html
    assert f'src="/certificates/{certificate.code}/qr.svg"' in html
    assert "/static/css/certificates.css" in html
    assert "Renew" not in html
    qr = client.get(f"/certificates/{certificate.code}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    expected = qrcode.make(verify_url, image_factory=SvgPathImage, border=2).to_string()
    assert qr.content == expected


def test_a_revoked_or_expired_certificate_says_so_on_the_page_it_prints(
    certificate, learner, staff, client, clock
):
    client.force_login(learner)
    url = f"/certificates/{certificate.code}/print"
    assert 'class="certificate__status"' not in client.get(url).text
    clock.now = certificate.expires_at
    client.force_login(learner)
    assert '<p class="certificate__status">Expired</p>' in client.get(url).text
    certificate.revoke(staff, "Wrong person.")
    html = client.get(url).text
    assert '<p class="certificate__status">Revoked</p>' in html
    assert "This certificate was revoked on" in html


def test_only_the_holder_sees_the_certificate_page_and_its_qr_code(
    certificate, other_learner, client
):
    for path in ["print", "qr.svg"]:
        url = f"/certificates/{certificate.code}/{path}"
        assert client.get(url)["Location"].startswith("/accounts/login/")
        client.force_login(other_learner)
        assert client.get(url).status_code == 404
        client.logout()


def test_renewal_is_offered_from_its_window_and_not_before(certificate, learner, client, clock):
    clock.now = certificate.renewal_opens_at - timedelta(seconds=1)
    client.force_login(learner)
    assert "Renew" not in client.get(f"/certificates/{certificate.code}/print").text
    assert "Renew" not in client.get("/").text
    clock.now = certificate.renewal_opens_at
    client.force_login(learner)
    html = client.get(f"/certificates/{certificate.code}/print").text
    assert "Renew it now by passing the exam again" in html
    assert 'href="/quizzes/test-exam/">Renew: take the exam again' in html
    assert 'href="/quizzes/test-exam/">Renew: take the exam again' in client.get("/").text


def test_a_newer_certificate_takes_over_the_renewal_offer(certificate, learner, client, clock):
    clock.now = certificate.renewal_opens_at
    renewal = start(learner, "test-exam")
    for position in range(1, 5):
        answer_right(renewal, position)
    renewal.submit()
    client.force_login(learner)
    assert "Renew" not in client.get(f"/certificates/{certificate.code}/print").text
    html = client.get("/").text
    assert html.count("/print") == 2
    assert "Renew" not in html


def test_the_dashboard_lists_the_learners_certificates_with_status(
    certificate, learner, other_learner, client, clock, staff
):
    client.force_login(learner)
    html = client.get("/").text
    assert "Your certificates" in html
    assert certificate.code in html
    assert f'href="/certificates/{certificate.code}/print"' in html
    assert re.search(r"<td>Valid</td>", html)
    certificate.revoke(staff, "Wrong person.")
    assert re.search(r"<td>Revoked</td>", client.get("/").text)
    client.force_login(other_learner)
    html = client.get("/").text
    assert certificate.code not in html
    assert "No certificate yet." in html


def test_the_result_page_of_a_pass_leads_to_the_certificate(certificate, learner, client):
    client.force_login(learner)
    html = client.get(certificate.attempt.get_review_url()).text
    assert f'href="/certificates/{certificate.code}/print"' in html
    assert f'href="/certificates/{certificate.code}/"' in html


# Revocation


def test_staff_revoke_with_a_reason_that_is_kept(certificate, staff, client):
    client.force_login(staff)
    url = f"/certificates/{certificate.code}/revoke"
    assert (
        f'href="{url}">Revoke this certificate' in client.get(certificate.get_absolute_url()).text
    )
    html = client.get(url).text
    assert "Revoke certificate" in html
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the certificate is revoked." in response.text
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    response = client.post(url, {"reason": "Exam taken by someone else."}, follow=True)
    assert response.redirect_chain[-1][0] == f"/certificates/{certificate.code}/"
    assert "is revoked" in response.text
    certificate.refresh_from_db()
    assert (certificate.revoke_reason, certificate.revoked_by) == (
        "Exam taken by someone else.",
        staff,
    )
    first = certificate.revoked_at
    # Revoked already: the page shows the first revocation; a second changes nothing.
    assert client.post(url, {"reason": "A second reason."}).status_code == 200
    certificate.refresh_from_db()
    assert (certificate.revoke_reason, certificate.revoked_at) == (
        "Exam taken by someone else.",
        first,
    )
    html = client.get(url).text
    assert "Exam taken by someone else." in html
    assert "Stan Staff" in html


def test_only_staff_may_revoke(certificate, learner, client):
    url = f"/certificates/{certificate.code}/revoke"
    assert client.post(url, {"reason": "x"})["Location"].startswith("/accounts/login/")
    client.force_login(learner)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert "Revoke this certificate" not in client.get(f"/certificates/{certificate.code}/").text
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_revoking_an_unknown_code_is_404(staff, client, db):
    client.force_login(staff)
    assert client.get("/certificates/ABCD-EFGH-JKMN/revoke").status_code == 404
    assert client.post("/certificates/nonsense/revoke", {"reason": "x"}).status_code == 404


def test_staff_find_certificates_and_exam_settings_in_the_admin(certificate, staff, client):
    client.force_login(staff)
    html = client.get("/admin/quiz/certificate/", {"q": certificate.code}).text
    assert certificate.code in html
    assert f'href="/certificates/{certificate.code}/revoke"' in html
    assert client.get(f"/admin/quiz/certificate/{certificate.pk}/change/").status_code == 200
    html = client.get(f"/admin/quiz/quiz/{certificate.quiz_id}/change/").text
    assert 'name="exam-0-pass_mark"' in html
    assert Attempt.objects.filter(passed=True).count() == 1


def test_exam_settings_edited_in_the_admin_are_checked_not_crashed(exam, staff, client):
    client.force_login(staff)
    settings = exam.exam
    url = f"/admin/quiz/quiz/{exam.pk}/change/"
    data = {
        "slug": exam.slug,
        "title": exam.title,
        "summary": exam.summary,
        "mode": exam.mode,
        "questions": list(exam.questions.values_list("pk", flat=True)),
        "question_count": exam.question_count,
        "order": exam.order,
        "exam-TOTAL_FORMS": 1,
        "exam-INITIAL_FORMS": 1,
        "exam-MIN_NUM_FORMS": 0,
        "exam-MAX_NUM_FORMS": 1,
        "exam-0-id": settings.pk,
        "exam-0-quiz": exam.pk,
        "exam-0-course": settings.course_id,
        "exam-0-time_limit_minutes": 45,
        "exam-0-pass_mark": 101,
        "exam-0-max_attempts": 3,
        "exam-0-cooldown_hours": 24,
        "exam-0-validity_days": 365,
        "exam-0-renewal_window_days": 30,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The pass mark is a percent from 1 to 100." in response.text
    settings.refresh_from_db()
    assert settings.time_limit_minutes == 30
    response = client.post(url, {**data, "exam-0-pass_mark": 70})
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.time_limit_minutes, settings.pass_mark) == (45, 70)
