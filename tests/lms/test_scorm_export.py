"""The SCORM 1.2 package: a manifest an LMS accepts, every file it names inside the zip,
nothing loaded from outside, no exam question; the command and the staff download."""

import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command

from lessons.models import Lesson
from quiz.models import Question, Quiz

pytestmark = pytest.mark.django_db

CP = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"
# Attributes by which a page loads something (not <a href>, which only links).
LOADS = re.compile(r'<(?:script|img|iframe|source|link)\b[^>]*?\b(?:src|href)="([^"]+)"')


def export(tmp_path, *args) -> zipfile.ZipFile:
    path = tmp_path / "course.zip"
    call_command("export_scorm", str(path), *args, stdout=io.StringIO())
    return zipfile.ZipFile(path)


def test_the_manifest_names_one_sco_per_lesson_and_every_file_is_in_the_zip(course, tmp_path):
    package = export(tmp_path)
    names = set(package.namelist())
    assert "imsmanifest.xml" in names  # at the root
    manifest = ElementTree.fromstring(package.read("imsmanifest.xml"))  # noqa: S314 (ours)
    assert manifest.tag == f"{CP}manifest"
    assert manifest.findtext(f"{CP}metadata/{CP}schema") == "ADL SCORM"
    assert manifest.findtext(f"{CP}metadata/{CP}schemaversion") == "1.2"

    organizations = manifest.find(f"{CP}organizations")
    organization = organizations.find(f"{CP}organization")
    assert organizations.get("default") == organization.get("identifier")
    resources = {r.get("identifier"): r for r in manifest.iter(f"{CP}resource")}
    items = organization.findall(f"{CP}item")
    lessons = list(Lesson.objects.order_by("order"))
    assert [item.findtext(f"{CP}title") for item in items] == [le.title for le in lessons]
    for item in items:
        resource = resources[item.get("identifierref")]
        assert resource.get(f"{ADLCP}scormtype") == "sco"
        assert resource.get("href") in names
        for dependency in resource.findall(f"{CP}dependency"):
            assert dependency.get("identifierref") in resources
    for resource in resources.values():
        for file in resource.findall(f"{CP}file"):
            assert file.get("href") in names, file.get("href")

    # Each page loads only files of the package, by relative address.
    for sco in (r for r in resources.values() if r.get(f"{ADLCP}scormtype") == "sco"):
        page = package.read(sco.get("href")).decode()
        folder = sco.get("href").rsplit("/", 1)[0]
        loaded = LOADS.findall(page)
        assert loaded, sco.get("href")
        for address in loaded:
            assert not re.match(r"^(?:[a-z]+:)?//", address), address
            resolved = address[3:] if address.startswith("../") else f"{folder}/{address}"
            assert resolved in names, (sco.get("href"), address)
        assert "LMSInitialize" not in page  # the runtime calls live in shared/sco.js
    script = package.read("shared/sco.js").decode()
    for call in ["LMSInitialize", "LMSSetValue", "LMSCommit", "LMSFinish"]:
        assert call in script
    for element in ["cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.score.max"]:
        assert element in script


def test_no_exam_question_is_in_the_package(course, tmp_path):
    exam_only = list(Question.objects.filter(exam_only=True))
    assert exam_only, "the course has an exam pool to keep out"
    # Even one an admin put into a practice quiz by mistake stays out.
    quiz = Quiz.objects.practice().filter(lesson__isnull=False).first()
    quiz.questions.add(exam_only[0])
    package = export(tmp_path)
    pages = "".join(
        package.read(name).decode() for name in package.namelist() if name.endswith(".html")
    )
    for question in exam_only:
        assert str(question.prompt_html) not in pages, question.slug
        assert f'"q{question.pk}-' not in pages
    practice = quiz.drawable_questions().first()
    assert str(practice.prompt_html) in pages  # the check above can see a prompt


def test_a_lesson_can_be_chosen(course, tmp_path):
    package = export(tmp_path, "--lesson", "patching", "--lesson", "the-stack")
    pages = sorted(name for name in package.namelist() if name.endswith("index.html"))
    assert pages == ["patching/index.html", "the-stack/index.html"]


def test_an_unknown_lesson_is_an_error_and_writes_nothing(course, tmp_path):
    with pytest.raises(CommandError, match="no-such-lesson"):
        export(tmp_path, "--lesson", "no-such-lesson")
    assert list(tmp_path.iterdir()) == []


def test_staff_download_the_package(course, client, staff, django_assert_max_num_queries):
    client.force_login(staff)
    page = client.get("/lms/scorm/")
    assert page.status_code == 200
    assert "Download the SCORM package" in page.text
    # Per lesson: its steps, one stack per explorer step, its quiz and questions.
    with django_assert_max_num_queries(12):
        response = client.get("/lms/scorm/package.zip", {"lesson": ["patching"]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    package = zipfile.ZipFile(io.BytesIO(response.content))
    assert "patching/index.html" in package.namelist()
    assert "the-stack/index.html" not in package.namelist()


def test_the_export_asks_for_the_permission_to_view_lessons(client, learner):
    assert client.get("/lms/scorm/").status_code == 302  # to log in
    client.force_login(learner)
    assert client.get("/lms/scorm/").status_code == 403
    assert client.get("/lms/scorm/package.zip").status_code == 403


def test_a_bad_lesson_is_a_form_error(course, client, staff):
    client.force_login(staff)
    response = client.get("/lms/scorm/package.zip", {"lesson": "no-such-lesson"})
    assert response.status_code == 400
    assert "There is no lesson no-such-lesson." in response.text


def test_a_training_lead_finds_the_lms_page_in_the_header(client, training_lead, settings):
    client.force_login(training_lead)
    assert 'href="/lms/scorm/"' in client.get("/").text
    settings.LTI_ENABLED = False
    page = client.get("/lms/scorm/").text
    assert 'href="/lms/badges/"' in page
    assert 'href="/lti/platforms/"' not in page  # LTI is off
    settings.LTI_ENABLED = True
    assert 'href="/lti/platforms/"' in client.get("/lms/scorm/").text
    assert client.get("/lti/platforms/").status_code == 200


def test_learners_see_no_lms_link(client, learner):
    client.force_login(learner)
    assert "/lms/scorm/" not in client.get("/").text
