"""Where each learner is in the course.

Logged-in learners' progress lives in LessonProgress rows; anonymous visitors' in their
session, in the same shape, and it moves to their account when they sign up or log in.
"""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plumbing.shared_cache import shared_cache

from . import events, extensions
from .models import Lesson, LessonProgress, Service, SortResult, Step

SESSION_PROGRESS = "lesson_progress"
SESSION_SORTS = "sort_results"
# How long a learner's state in a lesson may be read from the shared cache; each save or
# delete of their row forgets it at once.
STATE_TIMEOUT = 60 * 60


@dataclass
class LessonState:
    seen_step_ids: set[int] = field(default_factory=set)
    last_step_id: int | None = None
    completed: bool = False

    @property
    def started(self) -> bool:
        return bool(self.seen_step_ids) or self.completed


def state_of(row: LessonProgress) -> LessonState:
    return LessonState(set(row.seen_step_ids), row.last_step_id, bool(row.completed_at))


def cached_state_key(user_id: int, lesson_id: int) -> str:
    return f"lesson-state:{user_id}:{lesson_id}"


@dataclass
class LessonRow:
    lesson: Lesson
    state: LessonState
    step_slugs: dict[int, str]  # step id to slug, in order

    @property
    def step_ids(self) -> list[int]:
        return list(self.step_slugs)

    @property
    def steps_seen(self) -> int:
        return len(self.state.seen_step_ids.intersection(self.step_ids))

    @property
    def step_count(self) -> int:
        return len(self.step_ids)

    @property
    def status(self) -> str:
        if self.state.completed:
            return "completed"
        return "in-progress" if self.state.started else "not-started"

    @property
    def resume_step_id(self) -> int:
        if self.state.last_step_id in self.step_ids:
            return self.state.last_step_id
        unseen = [step_id for step_id in self.step_ids if step_id not in self.state.seen_step_ids]
        return (unseen or self.step_ids)[0]

    @property
    def resume_url(self) -> str:
        step_slug = self.step_slugs[self.resume_step_id]
        return reverse("lessons:step", args=[self.lesson.slug, step_slug])


@dataclass(frozen=True)
class NextUp:
    """The one thing to do next: continue or start a lesson, check yourself, or finish."""

    kind: str  # "lesson", "follow-up" or "course-end"
    title: str
    summary: str
    url: str
    label: str


@dataclass
class CourseOverview:
    rows: list[LessonRow]
    user: object = None

    @property
    def completed_count(self) -> int:
        return sum(row.state.completed for row in self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_count / len(self.rows)) if self.rows else 0

    @cached_property
    def follow_ups(self) -> dict[int, extensions.LessonLink]:
        return extensions.follow_ups(self.user, [row.lesson for row in self.rows])

    @cached_property
    def next_up(self) -> NextUp | None:
        """Lesson, then its follow-up (the practice quiz), then the next lesson; at the
        end, what the course ends with (the exam). A lesson already under way comes first.
        None when everything is done."""
        started = [row for row in self.rows if row.state.started and not row.state.completed]
        for row in started[:1] or self.rows:
            if not row.step_ids:
                continue
            if not row.state.completed:
                label = _("Continue where you left off") if row.state.started else None
                return NextUp(
                    "lesson",
                    row.lesson.title,
                    row.lesson.summary,
                    row.resume_url,
                    label or _("Start this lesson"),
                )
            link = self.follow_ups.get(row.lesson.pk)
            if link and not link.done:
                return NextUp("follow-up", link.title, link.detail, link.url, link.label)
        end = extensions.course_end(self.user)
        if end and not end.done:
            return NextUp("course-end", end.title, end.detail, end.url, end.label)
        return None


class ProgressStore(Protocol):
    """Where a visitor's progress is kept: SessionProgress or AccountProgress, chosen
    once per request by for_request()."""

    def states(self) -> dict[int, LessonState]:
        """Every lesson's state for this visitor: at most one query."""

    def record_step_view(self, step: Step) -> LessonState:
        """Note that this visitor has seen `step`, and that it is where they are now."""

    def mark_complete(self, lesson: Lesson) -> list[Step]:
        """Complete the lesson if this visitor has seen every step; else the steps still
        unseen. Checked here, on the server, from the steps recorded as viewed: a POST
        alone completes nothing, so "lessons done" in a cohort report means lessons read.
        """

    def record_sort_result(self, service, answers: dict, correct: int, total: int) -> None:
        """Keep one try at sorting `service`'s stack."""

    def last_sort_result(self, service) -> SortResult | None:
        """The newest try at sorting `service`'s stack (unsaved for a session's)."""


class SessionProgress:
    """An anonymous visitor's progress, in their session in LessonProgress's shape."""

    def __init__(self, session):
        self.session = session

    def states(self) -> dict[int, LessonState]:
        return {
            int(lesson_id): LessonState(set(data["seen"]), data.get("last"), data.get("completed"))
            for lesson_id, data in self.session.get(SESSION_PROGRESS, {}).items()
        }

    def _save(self, lesson_id: int, state: LessonState) -> None:
        progress = self.session.get(SESSION_PROGRESS, {})
        progress[str(lesson_id)] = {
            "seen": sorted(state.seen_step_ids),
            "last": state.last_step_id,
            "completed": state.completed,
        }
        self.session[SESSION_PROGRESS] = progress

    def record_step_view(self, step: Step) -> LessonState:
        state = self.states().get(step.lesson_id, LessonState())
        state.seen_step_ids.add(step.pk)
        state.last_step_id = step.pk
        self._save(step.lesson_id, state)
        return state

    def mark_complete(self, lesson: Lesson) -> list[Step]:
        state = self.states().get(lesson.pk, LessonState())
        unseen = unseen_steps(lesson, state.seen_step_ids)
        if not unseen:
            state.completed = True
            self._save(lesson.pk, state)
        return unseen

    def record_sort_result(self, service, answers: dict, correct: int, total: int) -> None:
        results = self.session.get(SESSION_SORTS, [])
        results.append(
            {
                "service_id": service.pk,
                "answers": answers,
                "correct": correct,
                "total": total,
                "created_at": timezone.now().isoformat(),
            }
        )
        self.session[SESSION_SORTS] = results[-20:]

    def last_sort_result(self, service) -> SortResult | None:
        for result in reversed(self.session.get(SESSION_SORTS, [])):
            if result["service_id"] == service.pk:
                return SortResult(
                    service=service, **{k: result[k] for k in ("answers", "correct", "total")}
                )
        return None


class AccountProgress:
    """A logged-in learner's progress, in LessonProgress and SortResult rows."""

    def __init__(self, user):
        self.user = user

    def states(self) -> dict[int, LessonState]:
        return {
            row.lesson_id: state_of(row) for row in LessonProgress.objects.filter(user=self.user)
        }

    def record_step_view(self, step: Step) -> LessonState:
        # Every step page asks, and a reload changes nothing: read from the shared cache,
        # where each save of the row forgets it (apps.py).
        cache = shared_cache()
        key = cached_state_key(self.user.pk, step.lesson_id)
        seen = cache.get(key)
        if seen is None:
            row = LessonProgress.objects.filter(user=self.user, lesson_id=step.lesson_id).first()
            seen = state_of(row) if row else LessonState()
            cache.set(key, seen, STATE_TIMEOUT)
        if step.pk in seen.seen_step_ids and seen.last_step_id == step.pk:
            return seen
        with transaction.atomic():
            # Locked so two tabs viewing steps at once cannot drop each other's step.
            progress, _ = LessonProgress.objects.select_for_update().get_or_create(
                user=self.user, lesson_id=step.lesson_id
            )
            if step.pk not in progress.seen_step_ids:
                progress.seen_step_ids = [*progress.seen_step_ids, step.pk]
            progress.last_step_id = step.pk
            progress.save()
        return state_of(progress)

    def mark_complete(self, lesson: Lesson) -> list[Step]:
        with transaction.atomic():
            # Locked so a step view racing this POST is counted or waited for, never lost.
            progress, _ = LessonProgress.objects.select_for_update().get_or_create(
                user=self.user, lesson=lesson
            )
            unseen = unseen_steps(lesson, progress.seen_step_ids)
            if not unseen and progress.completed_at is None:
                progress.completed_at = timezone.now()
                progress.save(update_fields=["completed_at", "updated_at"])
                events.lesson_completed.send(LessonProgress, progress=progress)
        return unseen

    def record_sort_result(self, service, answers: dict, correct: int, total: int) -> None:
        SortResult.objects.create(
            user=self.user, service=service, answers=answers, correct=correct, total=total
        )

    def last_sort_result(self, service) -> SortResult | None:
        return SortResult.objects.filter(user=self.user, service=service).first()


def for_request(request) -> ProgressStore:
    """Where this visitor's progress is kept, chosen once per request: their account's
    rows when logged in, else their session."""
    if not hasattr(request, "lesson_progress"):
        if request.user.is_authenticated:
            request.lesson_progress = AccountProgress(request.user)
        else:
            request.lesson_progress = SessionProgress(request.session)
    return request.lesson_progress


def course_overview(request) -> CourseOverview:
    """The course with this visitor's state, in three queries whatever its size."""
    lessons = list(Lesson.objects.all())
    step_slugs: dict[int, dict[int, str]] = {lesson.pk: {} for lesson in lessons}
    for step_id, lesson_id, slug in Step.objects.order_by("lesson__order", "order").values_list(
        "id", "lesson_id", "slug"
    ):
        step_slugs[lesson_id][step_id] = slug
    states = for_request(request).states()
    return CourseOverview(
        [
            LessonRow(lesson, states.get(lesson.pk, LessonState()), step_slugs[lesson.pk])
            for lesson in lessons
        ],
        request.user,
    )


def unseen_steps(lesson: Lesson, seen_step_ids) -> list[Step]:
    """The lesson's steps not in `seen_step_ids`, in order: one query."""
    return [step for step in lesson.steps.order_by("order") if step.pk not in set(seen_step_ids)]


@transaction.atomic
def move_session_progress_to_account(session, user) -> None:
    """Merge what an anonymous visitor did into the account they just logged in to.

    Seen steps are joined, a lesson completed on either side stays completed (if every
    step of it has been seen), and the place to resume is the one from this visit.
    """
    states = SessionProgress(session).states()
    # Content may have changed since the visit: ignore steps and lessons that are gone.
    known_steps = dict(Step.objects.filter(lesson_id__in=states).values_list("id", "lesson_id"))
    known_step_ids = set(known_steps)
    step_ids_by_lesson = {}
    for step_id, lesson_id in known_steps.items():
        step_ids_by_lesson.setdefault(lesson_id, []).append(step_id)
    for lesson_id, state in states.items():
        if lesson_id not in known_steps.values():
            continue
        progress, _ = LessonProgress.objects.select_for_update().get_or_create(
            user=user, lesson_id=lesson_id
        )
        seen = (set(progress.seen_step_ids) | state.seen_step_ids) & known_step_ids
        progress.seen_step_ids = sorted(seen)
        if state.last_step_id in known_step_ids:
            progress.last_step_id = state.last_step_id
        all_seen = set(step_ids_by_lesson[lesson_id]) <= seen
        if state.completed and all_seen and progress.completed_at is None:
            progress.completed_at = timezone.now()
        progress.save()
    sorts = session.get(SESSION_SORTS, [])
    known_services = set(
        Service.objects.filter(pk__in=[r["service_id"] for r in sorts]).values_list(
            "pk", flat=True
        )
    )
    for result in sorts:
        if result["service_id"] not in known_services:
            continue
        SortResult.objects.create(
            user=user,
            service_id=result["service_id"],
            answers=result["answers"],
            correct=result["correct"],
            total=result["total"],
        )
    session.pop(SESSION_PROGRESS, None)
    session.pop(SESSION_SORTS, None)
