"""xAPI statements for learning events, written to the outbox in the event's transaction.

Lessons, quiz and workshops announce their events as signals they own (lessons.events,
quiz.events, workshops.events); the receivers here turn each into a statement row in the
same transaction, so a statement exists exactly when its event does, and
`lms.tasks.send_statements` (enqueued in that transaction too) delivers it later. With no
learning record store configured (DJANGO_XAPI_LRS_URL unset) nothing is written.

Verbs are from the ADL vocabulary, except "earned", which ADL lacks (the TinCan registry's).
The actor is the account's email address (mbox) or, with DJANGO_XAPI_ACTOR=account, an
opaque id under the site's address, so an LRS outside the company learns no addresses.
"""

import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lessons import events as lesson_events
from quiz import events as quiz_events
from quiz.models import PRACTICE_PASS_MARK
from workshops import events as workshop_events

from .models import Statement

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "completed": ADL + "completed",
    "answered": ADL + "answered",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
    "earned": "http://id.tincanapi.com/verb/earned",
}
ACTIVITY_TYPES = {
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "certificate": "https://w3id.org/xapi/cmi5/activitytype/course",
    "workshop": "http://adlnet.gov/expapi/activities/meeting",
}


def enabled() -> bool:
    return bool(settings.XAPI_LRS_URL)


def site_url(path: str = "") -> str:
    return settings.SITE_URL.rstrip("/") + path


def actor(user) -> dict:
    """The learner as an xAPI Agent, by email or by an opaque, stable id."""
    if settings.XAPI_ACTOR == "account":
        # Keyed by the secret (or DJANGO_XAPI_ACTOR_SECRET): the LRS cannot reverse it to
        # the account, and the same learner always gets the same name.
        name = salted_hmac(
            "lms.xapi.actor", str(user.pk), secret=settings.XAPI_ACTOR_SECRET or None
        ).hexdigest()[:32]
        return {"objectType": "Agent", "account": {"homePage": site_url("/"), "name": name}}
    agent = {"objectType": "Agent", "mbox": f"mailto:{user.email}"}
    if user.get_full_name():
        agent["name"] = user.get_full_name()
    return agent


def activity(kind: str, path: str, name: str) -> dict:
    return {
        "objectType": "Activity",
        "id": site_url(path),
        "definition": {"type": ACTIVITY_TYPES[kind], "name": {"en": name}},
    }


def record(user, verb: str, activity_object: dict, *, result=None, context=None, when=None):
    """Write one statement to the outbox and queue its sending, in the caller's
    transaction. Does nothing while no LRS is configured."""
    if not enabled():
        return None
    statement_id = uuid.uuid4()
    body = {
        "id": str(statement_id),
        "actor": actor(user),
        "verb": {"id": VERBS[verb], "display": {"en": verb}},
        "object": activity_object,
        "timestamp": (when or timezone.now()).isoformat(),
    }
    if result:
        body["result"] = result
    if context:
        body["context"] = context
    statement = Statement.objects.create(statement_id=statement_id, body=body)
    from .tasks import send_statements  # tasks imports this module

    send_statements.enqueue()
    return statement


def _scored(fraction: float, *, success: bool | None = None) -> dict:
    result = {"score": {"scaled": round(fraction, 4)}, "completion": True}
    if success is not None:
        result["success"] = success
    return result


def on_lesson_completed(sender, progress, **kwargs):
    if enabled():
        lesson = progress.lesson
        record(
            progress.user,
            "completed",
            activity("lesson", lesson.get_absolute_url(), lesson.title),
            result={"completion": True},
            when=progress.completed_at,
        )


def answered(user, answer, question, parent: dict) -> None:
    """A question answered, in a quiz attempt or a live workshop (`parent`)."""
    record(
        user,
        "answered",
        activity("question", f"/xapi/questions/{question.slug}", question.slug),
        result=_scored(answer.score, success=answer.is_correct),
        context={"contextActivities": {"parent": [parent]}},
        when=answer.answered_at,
    )


def on_answer_recorded(sender, answer, **kwargs):
    if enabled():
        quiz = answer.attempt.quiz
        parent = activity("quiz", quiz.get_absolute_url(), quiz.title)
        answered(answer.attempt.user, answer, answer.question, parent)


def on_attempt_submitted(sender, attempt, **kwargs):
    if enabled():
        quiz = attempt.quiz
        passed = attempt.passed if quiz.is_exam else attempt.score >= PRACTICE_PASS_MARK
        record(
            attempt.user,
            "passed" if passed else "failed",
            activity("quiz", quiz.get_absolute_url(), quiz.title),
            result=_scored(attempt.score / 100, success=passed),
            when=attempt.submitted_at,
        )


def on_certificate_issued(sender, certificate, **kwargs):
    if enabled():
        record(
            certificate.user,
            "earned",
            activity("certificate", certificate.get_absolute_url(), certificate.course_title),
            when=certificate.issued_at,
        )


def on_live_answer_given(sender, answer, **kwargs):
    participant = answer.participant
    if enabled() and participant.user_id:  # guests without an account have no actor
        workshop = answer.item.workshop
        parent = activity("workshop", f"/join/{workshop.code}/", workshop.title)
        answered(participant.user, answer, answer.item.question, parent)


def connect() -> None:
    """Called from LmsConfig.ready()."""
    for signal, receiver in [
        (lesson_events.lesson_completed, on_lesson_completed),
        (quiz_events.answer_recorded, on_answer_recorded),
        (quiz_events.attempt_submitted, on_attempt_submitted),
        (quiz_events.certificate_issued, on_certificate_issued),
        (workshop_events.live_answer_given, on_live_answer_given),
    ]:
        signal.connect(receiver, dispatch_uid=f"lms-xapi-{receiver.__name__}")
