"""Links that higher apps add to the lesson pages, without lessons importing them.

The dependency direction is lessons <- quiz: a lesson page cannot import the quiz app to
link its practice quiz. Instead quiz registers a provider here in its AppConfig.ready(),
and the lesson pages, the "next up" on the dashboard and the end of a lesson ask this
registry. With no provider registered, lessons simply show no such links.

A lesson provider is `provider(user, lessons) -> {lesson_id: LessonLink}`, called once per
page for all the lessons it shows (so it can answer in one query); `user` may be anonymous.
A course-end provider is `provider(user) -> LessonLink | None`: where to go when every
lesson and its follow-up are done.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LessonLink:
    url: str
    title: str  # what the link opens, e.g. the practice quiz's title
    label: str  # the call to action, e.g. "Check yourself"
    detail: str = ""  # e.g. "8 questions, about 6 minutes"
    done: bool = False  # this learner has already done it


LessonProvider = Callable[[object, list], dict[int, LessonLink]]
CourseEndProvider = Callable[[object], "LessonLink | None"]

_lesson_providers: list[LessonProvider] = []
_course_end_providers: list[CourseEndProvider] = []


def register_lesson_follow_up(provider: LessonProvider) -> None:
    """Offer a follow-up for lessons (the first registered provider that answers wins)."""
    if provider not in _lesson_providers:
        _lesson_providers.append(provider)


def register_course_end(provider: CourseEndProvider) -> None:
    if provider not in _course_end_providers:
        _course_end_providers.append(provider)


def follow_ups(user, lessons) -> dict[int, LessonLink]:
    """Each lesson's follow-up (its practice quiz), by lesson id; lessons without one absent."""
    lessons = list(lessons)
    links: dict[int, LessonLink] = {}
    for provider in _lesson_providers:
        for lesson_id, link in provider(user, lessons).items():
            links.setdefault(lesson_id, link)
    return links


def course_end(user) -> LessonLink | None:
    for provider in _course_end_providers:
        link = provider(user)
        if link is not None:
            return link
    return None
