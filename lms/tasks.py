"""Outside calls of the LMS integrations, made by the task worker, never by a request.

send_score sends a quiz or exam score to the LMS gradebook it was launched from (LTI
Assignment and Grade Services), retrying with back-off while the platform fails.

send_statements delivers the xAPI outbox to the learning record store. It is enqueued in
the transaction of each event; a run sends every due statement in batches, and when the
LRS is down, marks them with a back-off and queues one retry, so statements wait in the
outbox, in order, for as long as the LRS is away, and none is lost. When the LRS refuses
a batch for its content, each statement goes alone, so one it cannot take (marked
refused, shown in the admin) holds up no other. Statement ids are fixed when the
statement is written, so one sent twice (the LRS took it but its answer was lost) is
stored once: the LRS keeps one statement per id, and a 409 for it means it is there.
"""

import datetime
import logging

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from cohorts.tasks import retry_delay

from . import lti
from .models import GradeLink, Statement

logger = logging.getLogger(__name__)

BATCH = 50
# How long a worker may take to send a claimed batch before another may try it.
LEASE = datetime.timedelta(minutes=2)


def claim_due_statements(now) -> list[Statement]:
    """The oldest due statements, claimed for this worker for LEASE."""
    with transaction.atomic():
        due = (
            Statement.objects.filter(
                Q(due_at__isnull=True) | Q(due_at__lte=now), sent_at=None, refused_at=None
            )
            .order_by("pk")
            .select_for_update(skip_locked=True)[:BATCH]
        )
        batch = list(due)
        Statement.objects.filter(pk__in=[s.pk for s in batch]).update(due_at=now + LEASE)
    return batch


def post_statements(bodies: list[dict]) -> None:
    """POST to the LRS; raises requests.RequestException on anything but success."""
    response = requests.post(
        settings.XAPI_LRS_URL.rstrip("/") + "/statements",
        json=bodies,
        auth=(settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD),
        headers={"X-Experience-API-Version": "1.0.3"},
        timeout=settings.LMS_TIMEOUT,
    )
    if response.status_code not in (200, 204):
        raise requests.HTTPError(
            f"the LRS answered {response.status_code}: {response.text[:300]}", response=response
        )


# Answers that say the LRS is misconfigured or busy, not that it refuses the statements:
# they are waited out like an outage.
RETRIED_CLIENT_ERRORS = {401, 403, 404, 408, 429}


def refused_status(error: requests.RequestException) -> int | None:
    """The status with which the LRS refused the statements themselves, if it did."""
    response = getattr(error, "response", None)
    if response is None or not 400 <= response.status_code < 500:
        return None
    return None if response.status_code in RETRIED_CLIENT_ERRORS else response.status_code


def deliver(batch: list[Statement]) -> int:
    """Send a claimed batch; how many the LRS now holds. Raises on an outage, leaving
    the unsent for the caller to back off."""
    try:
        post_statements([statement.body for statement in batch])
    except requests.RequestException as error:
        status = refused_status(error)
        if status is None:
            raise
        if len(batch) > 1:
            return sum(deliver([statement]) for statement in batch)
        if status != 409:  # 409: the LRS already has a statement with this id, ours
            Statement.objects.filter(pk=batch[0].pk).update(
                refused_at=timezone.now(), due_at=None, tries=F("tries") + 1, last_error=str(error)
            )
            logger.error("xAPI: the LRS refused statement %s: %s", batch[0].statement_id, error)
            return 0
    Statement.objects.filter(pk__in=[s.pk for s in batch]).update(
        sent_at=timezone.now(), due_at=None, last_error=""
    )
    return len(batch)


@task()
def send_statements(attempt: int = 1) -> int:
    """Send what is due; on an outage, back off and queue one retry. How many were sent."""
    if not settings.XAPI_LRS_URL:
        return 0
    sent = 0
    while batch := claim_due_statements(timezone.now()):
        try:
            sent += deliver(batch)
        except requests.RequestException as error:
            message = f"{type(error).__name__}: {error}"
            later = timezone.now() + retry_delay(attempt)
            Statement.objects.filter(
                pk__in=[s.pk for s in batch], sent_at=None, refused_at=None
            ).update(due_at=later, tries=F("tries") + 1, last_error=message)
            logger.warning("xAPI: statements unsent, trying again at %s: %s", later, message)
            send_statements.using(run_after=later).enqueue(attempt=attempt + 1)
            return sent
    return sent


# A score still refused after this many tries (about a day at the half-hour cap) is
# given up; the platform page shows the last error.
SCORE_TRIES = 50


@task()
def send_score(grade_link_id: int, score: int, timestamp: str, attempt: int = 1) -> bool:
    """Send one submitted attempt's score to the platform's gradebook (LTI AGS)."""
    link = GradeLink.objects.select_related("platform").filter(pk=grade_link_id).first()
    if link is None:
        return False  # the platform was removed since
    try:
        lti.post_score(link, score, timestamp)
    except lti.PlatformCallError as error:
        link.platform.record_error(str(error))
        logger.warning("LTI score for link %s unsent (try %s): %s", link.pk, attempt, error)
        if attempt < SCORE_TRIES:
            later = timezone.now() + retry_delay(attempt)
            send_score.using(run_after=later).enqueue(
                grade_link_id, score, timestamp, attempt=attempt + 1
            )
        return False
    return True


def on_attempt_submitted(sender, attempt, **kwargs):
    """Queue the score for every gradebook column this quiz was launched from, in the
    submit's transaction: the learner never waits for the platform."""
    if settings.LTI_ENABLED:
        for link_id in GradeLink.objects.filter(
            user_id=attempt.user_id, quiz_id=attempt.quiz_id
        ).values_list("pk", flat=True):
            send_score.enqueue(link_id, attempt.score, attempt.submitted_at.isoformat())
