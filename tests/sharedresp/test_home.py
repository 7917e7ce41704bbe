"""The home page teaches before it asks; a learner's dashboard starts with a summary."""

import re

import pytest
from django.utils import timezone

from lessons.models import Lesson, Responsibility
from quiz.models import Attempt, Quiz
from tests.lessons.test_diagrams import owner_of, part_links

pytestmark = pytest.mark.django_db


def test_home_shows_the_house_with_owners_from_the_explorer(course, client):
    html = client.get("/").text
    links = part_links(html, "home-house")
    rows = Responsibility.objects.filter(service__slug="ec2").select_related("layer")
    assert len(links) == rows.count()
    for row in rows:
        link = next(link for link in links if link["id"] == f"home-house-{row.layer.slug}")
        assert link["href"] == row.get_absolute_url() + "?view=house"
        assert owner_of(link) == row.owner


def test_home_offers_lesson_one_without_an_account_and_the_course_with_minutes(course, client):
    html = client.get("/").text
    first = Lesson.objects.first().steps.first()
    assert re.search(rf'href="{first.get_absolute_url()}">Start lesson 1</a>', html)
    outline = html[html.index('class="outline"') :]
    titles = re.findall(r'class="outline__title" href="[^"]+">([^<]+)</a>', outline)
    assert titles == list(Lesson.objects.values_list("title", flat=True))
    minutes = [int(m) for m in re.findall(r'class="outline__minutes">(\d+) min', outline)]
    assert len(minutes) == len(titles)
    assert all(2 <= m <= 20 for m in minutes), minutes
    assert f"In about {sum(minutes)} minutes" in html
    for address in ["/explorer/", "/certificates/", "/quizzes/"]:
        assert f'href="{address}' in html


def test_a_longer_lesson_takes_more_minutes(course):
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.with_minutes()}
    lesson = Lesson.objects.get(slug="patching")
    before = lessons["patching"].minutes
    step = lesson.steps.first()
    step.body += " word" * 1000
    step.save()
    assert Lesson.objects.with_minutes().get(slug="patching").minutes > before


def test_home_page_cost_does_not_grow_with_the_course(
    course, client, django_assert_max_num_queries
):
    # Lessons with minutes, first step, service, its stack, the exam.
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200


def test_dashboard_starts_with_a_summary(course, learner_client, learner):
    html = learner_client.get("/").text
    summary = html[
        html.index('class="summary"') : html.index("</ul>", html.index('class="summary"'))
    ]
    assert f"0 of {Lesson.objects.count()}" in summary
    assert "No quiz yet" in summary
    assert "Not yet" in summary
    first = Lesson.objects.first()
    assert "Start this lesson: " + first.title in summary
    # The summary comes before any table.
    assert html.index('class="summary"') < html.index("<table")


def test_dashboard_summary_counts_the_best_practice_score(course, learner_client, learner):
    quiz = Quiz.objects.practice().first()
    for score in (40, 85):
        Attempt.objects.create(
            user=learner,
            quiz=quiz,
            status=Attempt.Status.SUBMITTED,
            score=score,
            submitted_at=timezone.now(),
            layout=[],
        )
    html = learner_client.get("/").text
    summary = html[html.index('class="summary"') :]
    assert re.search(r'class="summary__value">85%<', summary)
