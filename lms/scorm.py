"""The course as a SCORM 1.2 package: one SCO per lesson, for an LMS to import.

Each SCO is one self-contained HTML page: the lesson's steps, the explorer of each step
drawn as static HTML (every layer's panel in the page, no server to ask), and the
lesson's practice quiz, scored in the page by the same rules as quiz/scoring.py. The page
reports to the LMS through the SCORM 1.2 runtime (static/lms/scorm/sco.js). Nothing in
the package asks any server for anything: CSS and JS travel inside it.

A practice quiz scored in the learner's browser has to carry its answer key, so the
package holds the practice questions' keys (never an exam question: exams draw from
their own pool, which this module does not read).
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from lessons.explorer import Stack, build_stack
from lessons.models import Course, Lesson, Step
from quiz.forms import answer_form
from quiz.models import PRACTICE_PASS_MARK as PASS_MARK
from quiz.models import Choice, Quiz, classify_keys, layer_names

# Shared by every SCO, copied from the site's static files so the package looks like it.
SHARED_FILES = {
    "shared/site.css": "css/site.css",
    "shared/lessons.css": "css/lessons.css",
    "shared/quiz.css": "css/quiz.css",
    "shared/sco.css": "lms/scorm/sco.css",
    "shared/sco.js": "lms/scorm/sco.js",
}
IDENTIFIER_PREFIX = "sharedresp"


@dataclass
class StepPage:
    step: Step
    stack: Stack | None
    panels: list  # the stack's rows, each drawn as its own panel


@dataclass
class Sco:
    lesson: Lesson
    steps: list[StepPage]
    quiz: Quiz | None
    questions: list  # (question, form) pairs, the form drawing its answer controls
    key: dict  # what sco.js scores with, by question id

    @property
    def href(self) -> str:
        return f"{self.lesson.slug}/index.html"


class UnknownLessonError(ValueError):
    pass


def lessons_for(slugs=None) -> list[Lesson]:
    """The lessons to pack, in course order: all, or the named ones (every one must exist)."""
    lessons = list(Lesson.objects.order_by("order"))
    if not slugs:
        return lessons
    known = {lesson.slug for lesson in lessons}
    missing = [slug for slug in slugs if slug not in known]
    if missing:
        raise UnknownLessonError(", ".join(missing))
    return [lesson for lesson in lessons if lesson.slug in set(slugs)]


def _step_pages(lesson: Lesson) -> list[StepPage]:
    pages = []
    steps = lesson.steps.select_related("explorer_service", "explorer_layer")
    for step in steps:
        stack = None
        if step.explorer_service_id:
            # The layer links lead to the layer's panel inside the same page.
            open_slug = step.explorer_layer.slug if step.explorer_layer_id else None
            stack = build_stack(
                step.explorer_service, open_slug, lambda slug, step=step: f"#{step.slug}--{slug}"
            )
        pages.append(StepPage(step, stack, stack.rows if stack else []))
    return pages


def _practice_quiz(lesson: Lesson) -> tuple[Quiz | None, list, dict]:
    quiz = Quiz.objects.practice().filter(lesson=lesson).first()
    if quiz is None:
        return None, [], {}
    questions = list(
        quiz.drawable_questions()
        .order_by("order", "pk")
        .prefetch_related(Prefetch("choices", Choice.objects.order_by("order", "pk")))
    )
    # Belt and braces: whatever the admin put in the quiz, no exam question leaves the site.
    questions = [question for question in questions if not question.exam_only]
    keys = classify_keys(questions)
    names = layer_names(questions)
    pairs, key = [], {}
    for question in questions:
        choices = list(question.choices.all())
        form = answer_form(question, choices, names)
        form.prefix = f"q{question.pk}"
        pairs.append((question, form))
        key[question.pk] = {
            "kind": question.kind,
            "correct": [choice.pk for choice in choices if choice.is_correct],
            "owners": keys.get(question.pk, {}),
            "names": {slug: names.get(slug, slug) for slug in question.classify_layers},
            "choices": {choice.pk: choice.text for choice in choices},
            "feedback": {choice.pk: str(choice.feedback_html) for choice in choices},
            "explanation": str(question.explanation_html),
        }
    return quiz, pairs, key


def scos_for(lessons: list[Lesson]) -> list[Sco]:
    return [Sco(lesson, _step_pages(lesson), *_practice_quiz(lesson)) for lesson in lessons]


def manifest(course: Course | None, scos: list[Sco], files: dict[str, list[str]]) -> bytes:
    """imsmanifest.xml: one organization, one item and one SCO resource per lesson.

    `files` lists each SCO's own files by lesson slug; the shared CSS and JS are one asset
    resource that every SCO depends on.
    """
    ns = {
        "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
        "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    }
    for prefix, uri in ns.items():
        ElementTree.register_namespace(prefix, uri)

    def tag(name):
        prefix, _sep, local = name.rpartition(":")
        return f"{{{ns[prefix]}}}{local}"

    E, sub = ElementTree.Element, ElementTree.SubElement
    root = E(
        tag("manifest"),
        {
            "identifier": f"{IDENTIFIER_PREFIX}-course",
            "version": "1.0",
            tag("xsi:schemaLocation"): (
                "http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd "
                "http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"
            ),
        },
    )
    metadata = sub(root, tag("metadata"))
    sub(metadata, tag("schema")).text = "ADL SCORM"
    sub(metadata, tag("schemaversion")).text = "1.2"
    organizations = sub(root, tag("organizations"), {"default": f"{IDENTIFIER_PREFIX}-org"})
    organization = sub(
        organizations, tag("organization"), {"identifier": f"{IDENTIFIER_PREFIX}-org"}
    )
    sub(organization, tag("title")).text = course.title if course else "sharedresp"
    resources = sub(root, tag("resources"))
    for sco in scos:
        slug = sco.lesson.slug
        item = sub(
            organization,
            tag("item"),
            {"identifier": f"item-{slug}", "identifierref": f"sco-{slug}", "isvisible": "true"},
        )
        sub(item, tag("title")).text = sco.lesson.title
        if sco.quiz is not None:
            sub(item, tag("adlcp:masteryscore")).text = str(PASS_MARK)
        resource = sub(
            resources,
            tag("resource"),
            {
                "identifier": f"sco-{slug}",
                "type": "webcontent",
                tag("adlcp:scormtype"): "sco",
                "href": sco.href,
            },
        )
        for name in files[slug]:
            sub(resource, tag("file"), {"href": name})
        sub(resource, tag("dependency"), {"identifierref": "shared"})
    shared = sub(
        resources,
        tag("resource"),
        {"identifier": "shared", "type": "webcontent", tag("adlcp:scormtype"): "asset"},
    )
    for name in SHARED_FILES:
        sub(shared, tag("file"), {"href": name})
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def render_sco(sco: Sco) -> str:
    return render_to_string(
        "lms/scorm/sco.html",
        {"sco": sco, "pass_mark": PASS_MARK, "exported_at": timezone.now()},
    )


def write_package(out: BinaryIO, lessons: list[Lesson]) -> list[Sco]:
    """Write the zip to `out` (a file or a buffer); returns the SCOs it holds."""
    scos = scos_for(lessons)
    course = lessons[0].course if lessons else None
    pages = {sco.lesson.slug: render_sco(sco) for sco in scos}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        files = {}
        for sco in scos:
            package.writestr(sco.href, pages[sco.lesson.slug])
            files[sco.lesson.slug] = [sco.href]
        package.writestr("imsmanifest.xml", manifest(course, scos, files))
        for name, static_path in SHARED_FILES.items():
            package.write(Path(finders.find(static_path)), name)
    return scos
