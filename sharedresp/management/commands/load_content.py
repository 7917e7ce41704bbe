"""Load the course, question bank, exams and workshop plans from their files into the database.

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
from lessons.models import ContentVersion
from quiz.incidents import read_incidents, write_incidents
from quiz.loading import (
    read_bank,
    read_exams,
    read_misconceptions,
    write_exams,
    write_misconceptions,
    write_questions,
)
from workshops.loading import read_plans, write_plans


class DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class Command(BaseCommand):
    help = "Check the content files and load them into the database."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument("--lessons-dir", type=Path, help="default: lessons/content")
        parser.add_argument("--questions-dir", type=Path, help="default: quiz/content/questions")
        parser.add_argument(
            "--exam-questions-dir",
            type=Path,
            help="default: the exam-questions folder beside the questions folder",
        )
        parser.add_argument(
            "--exams-dir", type=Path, help="default: the exams folder beside the questions folder"
        )
        parser.add_argument(
            "--plans-dir",
            type=Path,
            help="default: workshops/content/plans, loaded only with the default question "
            "bank, which the plans name their questions from",
        )

    def handle(
        self,
        *args,
        dry_run=False,
        lessons_dir=None,
        questions_dir=None,
        exam_questions_dir=None,
        exams_dir=None,
        plans_dir=None,
        **options,
    ):
        if plans_dir is None and questions_dir is None:
            plans_dir = Path(apps.get_app_config("workshops").path) / "content" / "plans"
        lessons_dir = lessons_dir or Path(apps.get_app_config("lessons").path) / "content"
        questions_dir = questions_dir or (
            Path(apps.get_app_config("quiz").path) / "content" / "questions"
        )
        # Beside the questions: a bank loaded from elsewhere brings its own exams (or none).
        exams_dir = exams_dir or questions_dir.parent / "exams"
        exam_questions_dir = exam_questions_dir or questions_dir.parent / "exam-questions"
        errors = []
        course = read_course(lessons_dir, errors)
        misconceptions = read_misconceptions(
            questions_dir.parent / "misconceptions.yaml", course, errors
        )
        questions = read_bank(questions_dir, exam_questions_dir, course, errors, misconceptions)
        exams = read_exams(exams_dir, course, questions, errors)
        # Beside the questions, like the exams: a bank loaded from elsewhere has none.
        incidents = read_incidents(questions_dir.parent / "incidents", course, errors)
        # A workshop shows answers to the room: it may name practice questions only.
        practice = [question for question in questions if not question["exam_only"]]
        plans = read_plans(plans_dir, course, practice, errors) if plans_dir else None
        if errors:
            raise CommandError(
                f"{len(errors)} problem(s) in the content; nothing was loaded.\n"
                + "\n".join(str(error) for error in errors)
            )
        stats, bank_stats, exam_stats, plan_stats = Counter(), Counter(), Counter(), Counter()
        incident_stats = Counter()
        try:
            with transaction.atomic():
                write_course(course, stats)
                write_misconceptions(misconceptions, bank_stats)
                write_questions(questions, bank_stats)
                write_exams(exams, course.course["slug"], exam_stats)
                write_incidents(incidents, incident_stats)
                if plans is not None:
                    write_plans(plans, plan_stats)
                # Questions and plans change pages too: a new version for every load.
                ContentVersion.bump()
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
            f"{verb} {len(questions)} questions ({len(questions) - len(practice)} exam-only) "
            "and their practice quizzes: "
            f"{bank_stats['created']} created, {bank_stats['updated']} updated, "
            f"{bank_stats['unchanged']} unchanged, {bank_stats['removed']} removed, "
            f"{bank_stats['retired']} retired."
        )
        self.stdout.write(
            f"{verb} {len(exams)} exam(s): {exam_stats['created']} created, "
            f"{exam_stats['updated']} updated, {exam_stats['unchanged']} unchanged, "
            f"{exam_stats['retired']} retired."
        )
        if plans is not None:
            self.stdout.write(
                f"{verb} {len(plans)} workshop plans: {plan_stats['created']} created, "
                f"{plan_stats['updated']} updated, {plan_stats['unchanged']} unchanged, "
                f"{plan_stats['removed']} removed."
            )
        self.stdout.write(
            f"{verb} {len(incidents)} incident cards: {incident_stats['created']} created, "
            f"{incident_stats['updated']} updated, {incident_stats['unchanged']} unchanged, "
            f"{incident_stats['retired']} retired."
        )
