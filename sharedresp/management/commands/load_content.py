"""Load the course and question bank from their files into the database.

Safe to run on every deploy: everything is read and checked before anything is
written, the write is one transaction, and rows are matched by slug, so a second run
changes nothing. On any error it prints every problem with its file and line, and exits
non-zero with the database untouched.
"""

from collections import Counter
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lessons.loading import read_course, write_course
from quiz.loading import read_questions, write_questions


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Command(BaseCommand):
    help = "Check the content files and load them into the database."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument("--lessons-dir", type=Path, help="default: lessons/content")
        parser.add_argument("--questions-dir", type=Path, help="default: quiz/content/questions")

    def handle(self, *args, dry_run=False, lessons_dir=None, questions_dir=None, **options):
        lessons_dir = lessons_dir or Path(apps.get_app_config("lessons").path) / "content"
        questions_dir = questions_dir or (
            Path(apps.get_app_config("quiz").path) / "content" / "questions"
        )
        errors = []
        course = read_course(lessons_dir, errors)
        questions = read_questions(questions_dir, course, errors)
        if errors:
            raise CommandError(
                f"{len(errors)} problem(s) in the content; nothing was loaded.\n"
                + "\n".join(str(error) for error in errors)
            )
        stats, bank_stats = Counter(), Counter()
        try:
            with transaction.atomic():
                write_course(course, stats)
                write_questions(questions, bank_stats)
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        verb = "Would load" if dry_run else "Loaded"
        self.stdout.write(
            f"{verb} {len(course.lessons)} lessons, {len(course.services)} services: "
            f"{stats['created']} created, {stats['updated']} updated, "
            f"{stats['unchanged']} unchanged, {stats['removed']} removed."
        )
        self.stdout.write(
            f"{verb} {len(questions)} questions and their practice quizzes: "
            f"{bank_stats['created']} created, {bank_stats['updated']} updated, "
            f"{bank_stats['unchanged']} unchanged, {bank_stats['removed']} removed, "
            f"{bank_stats['retired']} retired."
        )
