"""Every address in the URL conf, as anonymous, learner, facilitator, manager and staff.

Each pattern is found by walking the URL conf, not listed by hand, and gets a real
address: every kind of URL argument has a maker below that names a real object (the
learner's attempt, the facilitator's workshop, the manager's cohort ...). A GET that
answers 405 is sent again as an empty POST. Then, for every answer:

- never a 500 (nor an exception);
- an HTML page has no inline <script> (one without src), no style= and no hx-on
  attribute, which the Content-Security-Policy would block;
- an HTML page answered 200 has exactly one <h1>.

A new URL argument without a maker fails here, with a message that says where to add one.
"""

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cohorts.models import Cohort, Membership, ReminderLog
from cohorts.tasks import send_reminder
from lessons.models import CompanyOwner, LessonProgress, Responsibility, SortResult, Step
from lms.models import Platform, Statement
from quiz.models import Attempt, Incident, Quiz, ReviewCard
from sharedresp import signup
from tests.cohorts.conftest import certify
from tests.workshops.conftest import join, make_workshop

PERSONAS = ["anonymous", "learner", "facilitator", "manager", "staff"]


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of the URL conf, with the names of its arguments."""

    name: str  # "namespace:name", or "" for an unnamed pattern
    namespace: str
    route: str
    arguments: tuple[str, ...]
    callback: Callable


def walk(patterns=None, namespace="", route="") -> Iterator[Pattern]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, inner, route + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield Pattern(
                name=f"{namespace}{pattern.name}" if pattern.name else "",
                namespace=namespace.rstrip(":"),
                route=route + str(pattern.pattern),
                arguments=tuple(pattern.pattern.regex.groupindex),
                callback=pattern.callback,
            )


def every_pattern() -> list[Pattern]:
    """Each pattern once: `accounts/login/` is ours, and again in django.contrib.auth's
    urls, where ours shadows it."""
    seen, patterns = set(), []
    for pattern in walk():
        if pattern.route not in seen:
            seen.add(pattern.route)
            patterns.append(pattern)
    return patterns


class Site:
    """One real object of each kind that a URL names, owned by the personas."""

    def __init__(self, learner, facilitator, manager):
        self.step = Step.objects.select_related("lesson").order_by("lesson__order", "order")[0]
        self.responsibility = Responsibility.objects.select_related("service", "layer")[0]
        self.quiz = Quiz.objects.get(slug=self.step.lesson.slug)
        self.incident = Incident.objects.order_by("pk")[0]
        self.attempt, _created = Attempt.objects.start(learner, self.quiz)
        question = self.quiz.questions.exclude(kind="classify").order_by("pk")[0]
        now = timezone.now()
        answered = ReviewCard.objects.create(user=learner, question=question, due_at=now)
        self.review_answer = answered.answer(choice_ids=[question.choices.all()[0].pk])
        later = self.quiz.questions.exclude(pk=question.pk).order_by("pk")[0]
        self.review_card = ReviewCard.objects.create(user=learner, question=later, due_at=now)
        self.certificate = certify(learner, exam_slug="shared-responsibility-certificate")
        self.workshop = make_workshop(facilitator)
        _browser, self.participant = join(self.workshop, "Pat")
        self.cohort = Cohort.objects.create(
            name="Spring joiners", owner=manager, due_date=datetime.date(2030, 6, 15)
        )
        self.membership = Membership.objects.create(cohort=self.cohort, user=learner)
        # Rows for the admin's pages of things nothing else here makes.
        LessonProgress.objects.create(user=learner, lesson=self.step.lesson)
        ReminderLog.objects.create(membership=self.membership, period="test")
        send_reminder.enqueue(self.membership.pk, overdue=False, site_url="http://testserver")
        SortResult.objects.create(
            user=learner, service=self.responsibility.service, answers={}, correct=0, total=0
        )
        self.company_owner = CompanyOwner.objects.create(
            layer=self.responsibility.layer, team="Platform team"
        )
        self.platform = Platform.objects.create(
            name="Moodle",
            issuer="https://lms.example.com",
            client_id="sharedresp",
            deployment_ids="1",
            auth_login_url="https://lms.example.com/auth",
            access_token_url="https://lms.example.com/token",
            jwks_url="https://lms.example.com/jwks",
        )
        Statement.objects.create(body={"verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}})
        self.learner = learner

    def admin_object_id(self, pattern: Pattern):
        model = pattern.callback.model_admin.model
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        assert pk is not None, f"make a {model.__name__} in Site for {pattern.route}"
        return pk


# The makers, by argument name; "namespace.argument" or "namespace:name.argument" when
# one name means different things in different places.
ARGUMENTS: dict[str, Callable[[Site, Pattern], object]] = {
    "lesson_slug": lambda site, _: site.step.lesson.slug,
    "step_slug": lambda site, _: site.step.slug,
    "service_slug": lambda site, _: site.responsibility.service.slug,
    "layer_slug": lambda site, _: site.responsibility.layer.slug,
    "quiz.slug": lambda site, _: site.quiz.slug,
    "quiz:incident.slug": lambda site, _: site.incident.slug,
    "attempt_id": lambda site, _: site.attempt.pk,
    "position": lambda site, _: 1,
    "card_id": lambda site, _: site.review_card.pk,
    "answer_id": lambda site, _: site.review_answer.pk,
    "quiz.code": lambda site, _: site.certificate.code,
    "workshops.code": lambda site, _: site.workshop.code,
    "kind": lambda site, _: "slide",
    "item_id": lambda site, _: site.workshop.items.order_by("position")[0].pk,
    "participant_id": lambda site, _: site.participant.pk,
    "cohorts.slug": lambda site, _: site.cohort.slug,
    "membership_id": lambda site, _: site.membership.pk,
    "token": lambda site, _: signup.make_token("new.person@example.com", "New Person"),
    "password_reset_confirm.token": lambda site, _: default_token_generator.make_token(
        site.learner
    ),
    "uidb64": lambda site, _: urlsafe_base64_encode(force_bytes(site.learner.pk)),
    "owner_id": lambda site, _: site.company_owner.pk,
    "lms.code": lambda site, _: site.certificate.code,
    "platform_id": lambda site, _: site.platform.pk,
    "admin.object_id": Site.admin_object_id,
    "admin.id": lambda site, _: site.learner.pk,
    "admin.app_label": lambda site, _: "lessons",
    "admin.content_type_id": lambda site, _: ContentType.objects.get_for_model(Cohort).pk,
    "admin:view_on_site.object_id": lambda site, _: site.cohort.pk,
}
# Unnamed patterns with a regular expression: their address, given here. (Unnamed
# path() routes, such as the admin's redirect from <object_id>/, are filled in.)
UNNAMED = {"admin/(?P<url>.*)$": "/admin/no-such-page/"}
ROUTE_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def is_regex(route: str) -> bool:
    return "(?P<" in route or route.startswith("^") or route.endswith("$")


def maker_for(pattern: Pattern, argument: str):
    for key in [f"{pattern.name}.{argument}", f"{pattern.namespace}.{argument}", argument]:
        if key in ARGUMENTS:
            return ARGUMENTS[key]
    return None


def missing_makers() -> list[str]:
    missing = []
    for pattern in every_pattern():
        if not pattern.name and is_regex(pattern.route):
            if pattern.route not in UNNAMED:
                missing.append(f"{pattern.route} has no name: give its address in UNNAMED")
            continue
        for argument in pattern.arguments:
            if maker_for(pattern, argument) is None:
                missing.append(
                    f"{pattern.name or 'unnamed'} ({pattern.route}) has no maker for "
                    f"'{argument}': add one to ARGUMENTS that names a real object"
                )
    return missing


def address(site: Site, pattern: Pattern) -> str:
    if not pattern.name and is_regex(pattern.route):
        return UNNAMED[pattern.route]
    kwargs = {
        argument: maker_for(pattern, argument)(site, pattern) for argument in pattern.arguments
    }
    if pattern.name:
        return reverse(pattern.name, kwargs=kwargs)
    return "/" + ROUTE_ARGUMENT.sub(lambda match: str(kwargs[match[1]]), pattern.route)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>")
HX_ON = re.compile(r"<[a-zA-Z][^>]*\shx-on[:-]", re.IGNORECASE)  # needs unsafe-eval
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE)
H1 = re.compile(r"<h1[\s>]", re.IGNORECASE)
# Pages that are not ours, with why they may have no single <h1>.
NO_H1 = {"/admin/login/": "Django's admin login page names the site in a <div>, not an <h1>"}


def problems_with(response, path: str) -> list[str]:
    if response.status_code >= 500:
        return [f"answered {response.status_code}"]
    if response.streaming or "text/html" not in response.get("Content-Type", ""):
        return []
    html = response.content.decode()
    problems = []
    if INLINE_SCRIPT.search(html):
        problems.append(f"inline script: {INLINE_SCRIPT.search(html).group()}")
    if HX_ON.search(html):
        problems.append(f"hx-on attribute: {HX_ON.search(html).group()}")
    if STYLE_ATTRIBUTE.search(html):
        problems.append(f"style attribute: {STYLE_ATTRIBUTE.search(html).group()[:80]}")
    if response.status_code == 200 and len(H1.findall(html)) != 1 and path not in NO_H1:
        problems.append(f"{len(H1.findall(html))} <h1> elements, not one")
    return problems


def test_every_url_argument_has_a_maker():
    assert missing_makers() == []


def test_every_pattern_is_walked_and_admin_models_too():
    """The walk reaches into includes and the admin: a broken walk would check nothing."""
    names = {pattern.name for pattern in every_pattern()}
    assert {"home", "lessons:step", "quiz:question", "workshops:answer", "cohorts:send_link"} <= (
        names
    )
    for model in admin_site._registry:
        info = model._meta.app_label, model._meta.model_name
        assert "admin:{}_{}_change".format(*info) in names


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_without_error_with_one_h1_and_nothing_inline(
    request, client, persona, course, learner, facilitator, manager, staff
):
    assert missing_makers() == []
    site = Site(learner, facilitator, manager)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if user is not None:
        client.force_login(user)
    failures = []
    for pattern in every_pattern():
        url = address(site, pattern)
        method = "GET"
        try:
            response = client.get(url)
            if response.status_code == 405:
                method = "POST"
                response = client.post(url)
                if user is not None:
                    client.force_login(user)  # the POST may have been "log out"
        except Exception as error:  # reported, then on to the next URL
            failures.append(f"{method} {url}: raised {error!r}")
            continue
        # A stream (the live room's events) is left unread: it would wait for the room.
        failures.extend(f"{method} {url}: {problem}" for problem in problems_with(response, url))
    assert failures == [], f"as {persona}:\n" + "\n".join(failures)
