"""Where each learner is in the course.

Logged-in learners' progress lives in LessonProgress rows; anonymous visitors' in their
session, in the same shape, and it moves to their account when they sign up or log in.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Lesson, LessonProgress, Service, SortResult, Step

SESSION_PROGRESS = "lesson_progress"
SESSION_SORTS = "sort_results"


@dataclass
class LessonState:
    seen_step_ids: set[int] = field(default_factory=set)
    last_step_id: int | None = None
    completed: bool = False

    @property
    def started(self) -> bool:
        return bool(self.seen_step_ids) or self.completed


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


@dataclass
class CourseOverview:
    rows: list[LessonRow]

    @property
    def completed_count(self) -> int:
        return sum(row.state.completed for row in self.rows)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_count / len(self.rows)) if self.rows else 0

    @property
    def next_row(self) -> LessonRow | None:
        """The lesson to do next: the first one started and not finished, else the first new."""
        open_rows = [row for row in self.rows if not row.state.completed and row.step_ids]
        started = [row for row in open_rows if row.state.started]
        return (started or open_rows or [None])[0]


def _session_states(session) -> dict[int, LessonState]:
    return {
        int(lesson_id): LessonState(set(data["seen"]), data.get("last"), data.get("completed"))
        for lesson_id, data in session.get(SESSION_PROGRESS, {}).items()
    }


def _save_session_state(session, lesson_id: int, state: LessonState) -> None:
    progress = session.get(SESSION_PROGRESS, {})
    progress[str(lesson_id)] = {
        "seen": sorted(state.seen_step_ids),
        "last": state.last_step_id,
        "completed": state.completed,
    }
    session[SESSION_PROGRESS] = progress


def states_for(request) -> dict[int, LessonState]:
    """Every lesson's state for this visitor, in one query (none for anonymous)."""
    if not request.user.is_authenticated:
        return _session_states(request.session)
    return {
        row.lesson_id: LessonState(
            set(row.seen_step_ids), row.last_step_id, bool(row.completed_at)
        )
        for row in LessonProgress.objects.filter(user=request.user)
    }


def course_overview(request) -> CourseOverview:
    """The course with this visitor's state, in three queries whatever its size."""
    lessons = list(Lesson.objects.all())
    step_slugs: dict[int, dict[int, str]] = {lesson.pk: {} for lesson in lessons}
    for step_id, lesson_id, slug in Step.objects.order_by("lesson__order", "order").values_list(
        "id", "lesson_id", "slug"
    ):
        step_slugs[lesson_id][step_id] = slug
    states = states_for(request)
    return CourseOverview(
        [
            LessonRow(lesson, states.get(lesson.pk, LessonState()), step_slugs[lesson.pk])
            for lesson in lessons
        ]
    )


def record_step_view(request, step: Step) -> LessonState:
    """Note that this visitor has seen `step`, and that it is where they are now."""
    if not request.user.is_authenticated:
        state = _session_states(request.session).get(step.lesson_id, LessonState())
        state.seen_step_ids.add(step.pk)
        state.last_step_id = step.pk
        _save_session_state(request.session, step.lesson_id, state)
        return state
    with transaction.atomic():
        # Locked so two tabs viewing steps at once cannot drop each other's step.
        progress, _ = LessonProgress.objects.select_for_update().get_or_create(
            user=request.user, lesson_id=step.lesson_id
        )
        if step.pk not in progress.seen_step_ids:
            progress.seen_step_ids = [*progress.seen_step_ids, step.pk]
        progress.last_step_id = step.pk
        progress.save()
    return LessonState(set(progress.seen_step_ids), step.pk, bool(progress.completed_at))


def mark_complete(request, lesson: Lesson) -> None:
    if not request.user.is_authenticated:
        state = _session_states(request.session).get(lesson.pk, LessonState())
        state.completed = True
        _save_session_state(request.session, lesson.pk, state)
        return
    progress, _ = LessonProgress.objects.get_or_create(user=request.user, lesson=lesson)
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at", "updated_at"])


def record_sort_result(request, service, answers: dict, correct: int, total: int) -> None:
    if request.user.is_authenticated:
        SortResult.objects.create(
            user=request.user, service=service, answers=answers, correct=correct, total=total
        )
        return
    results = request.session.get(SESSION_SORTS, [])
    results.append(
        {
            "service_id": service.pk,
            "answers": answers,
            "correct": correct,
            "total": total,
            "created_at": timezone.now().isoformat(),
        }
    )
    request.session[SESSION_SORTS] = results[-20:]


def last_sort_result(request, service):
    if request.user.is_authenticated:
        return SortResult.objects.filter(user=request.user, service=service).first()
    for result in reversed(request.session.get(SESSION_SORTS, [])):
        if result["service_id"] == service.pk:
            return SortResult(
                service=service, **{k: result[k] for k in ("answers", "correct", "total")}
            )
    return None


@transaction.atomic
def move_session_progress_to_account(session, user) -> None:
    """Merge what an anonymous visitor did into the account they just logged in to.

    Seen steps are joined, a lesson completed on either side stays completed, and the
    place to resume is the one from this visit.
    """
    states = _session_states(session)
    # Content may have changed since the visit: ignore steps and lessons that are gone.
    known_steps = dict(Step.objects.filter(lesson_id__in=states).values_list("id", "lesson_id"))
    known_step_ids = set(known_steps)
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
        if state.completed and progress.completed_at is None:
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
