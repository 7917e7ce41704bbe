"""Stream the CSV report of a 10,000-member cohort; print time and peak memory.

Run by hand (not part of the test suite):

    DJANGO_DEBUG=1 .venv/bin/python bench/cohort_export.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sharedresp DJANGO_DEBUG=1 \
        .venv/bin/python bench/cohort_export.py

It builds a throwaway test database (as the test runner does), loads the course, adds
members in steps (1,000 then 10,000 by default), and after each step streams the
export through Django's test client, reading it to the end. Peak memory is what
Python allocated during the request (tracemalloc): if the export is streamed, it stays
about the same however many members there are.
"""

import argparse
import io
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from cohorts.models import Cohort, Membership  # noqa: E402
from lessons.models import Lesson, LessonProgress  # noqa: E402
from quiz.models import Attempt, Quiz  # noqa: E402


def add_members(cohort, start: int, stop: int) -> None:
    """Members start..stop-1: half have done some lessons, a third a practice quiz."""
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create(
        (
            User(email=f"member{n}@example.com", name=f"Member {n:05}", password=password)
            for n in range(start, stop)
        ),
        batch_size=1000,
    )
    Membership.objects.bulk_create(
        (Membership(cohort=cohort, user=user) for user in users), batch_size=1000
    )
    lessons = list(Lesson.objects.all())
    now = timezone.now()
    LessonProgress.objects.bulk_create(
        (
            LessonProgress(user=user, lesson=lesson, completed_at=now)
            for user in users[::2]
            for lesson in lessons[: user.pk % len(lessons) + 1]
        ),
        batch_size=1000,
    )
    quiz = Quiz.objects.practice().first()
    Attempt.objects.bulk_create(
        (
            Attempt(
                user=user,
                quiz=quiz,
                layout=[],
                status=Attempt.Status.SUBMITTED,
                submitted_at=now,
                score=user.pk % 101,
            )
            for user in users[::3]
        ),
        batch_size=1000,
    )


def measure(client, cohort) -> tuple[float, int, int, int]:
    """(seconds, peak bytes, response bytes, lines) for one full export."""
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/cohorts/{cohort.slug}/report.csv")
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, size, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--members",
        default="1000,10000",
        help="comma-separated cohort sizes to measure, smallest first (default 1000,10000)",
    )
    sizes = [int(size) for size in parser.parse_args().members.split(",")]

    # Whitenoise notes the missing STATIC_ROOT; the export serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment(debug=False)  # no query log growing in memory
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_content", stdout=io.StringIO())
        manager = get_user_model().objects.create_user("bench@example.com", name="Bench")
        manager.groups.add(Group.objects.get(name="Manager"))
        cohort = Cohort.objects.create(name="Bench", owner=manager, due_date="2030-01-01")
        client = Client()
        client.force_login(manager)
        measure(client, cohort)  # warm up: imports and first-request work are not the export
        print(f"database: {connection.vendor}")
        print(f"{'members':>8} {'seconds':>8} {'rows/s':>8} {'peak MiB':>9} {'CSV MiB':>8}")
        done = 0
        for size in sizes:
            add_members(cohort, done, size)
            done = size
            elapsed, peak, length, lines = measure(client, cohort)
            assert lines == size + 1, (lines, size)
            print(
                f"{size:>8} {elapsed:>8.2f} {size / elapsed:>8.0f} "
                f"{peak / 2**20:>9.2f} {length / 2**20:>8.2f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
