"""Fill a development database with people to try every role as, and print their logins.

It gives each account a known password, so it refuses to run outside debug mode.
Running it again resets those passwords and adds nothing twice.
"""

import io
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, Membership
from lessons.models import Lesson, LessonProgress
from quiz.models import Question, classify_keys
from workshops.models import Plan, Workshop

from ...models import FACILITATOR_GROUP, MANAGER_GROUP

PASSWORD = "try-sharedresp-demo"  # noqa: S105 (published on purpose; debug only)


class DemoPerson(NamedTuple):
    email: str
    name: str
    role: str
    groups: list[str]
    is_staff: bool = False
    is_superuser: bool = False
    opens_first: str = "/"


PEOPLE = [
    DemoPerson("learner@demo.test", "Lee Learner", "learner", []),
    DemoPerson(
        "facilitator@demo.test",
        "Fran Facilitator",
        "facilitator",
        [FACILITATOR_GROUP],
        opens_first="/workshops/",
    ),
    DemoPerson(
        "manager@demo.test", "Mo Manager", "manager", [MANAGER_GROUP], opens_first="/cohorts/"
    ),
    # Staff, but with only the Training lead's permissions: owners, certificates, the LMS.
    DemoPerson(
        "lead@demo.test",
        "Lou Lead",
        "training lead",
        ["Training lead"],
        is_staff=True,
        opens_first="/lms/scorm/",
    ),
    DemoPerson(
        "author@demo.test",
        "Ari Author",
        "staff author",
        [],
        is_staff=True,
        is_superuser=True,
        opens_first="/admin/",
    ),
]
WORKSHOP_TITLE = "Demo workshop: the line moves"
COHORT_NAME = "Demo onboarding"


class Command(BaseCommand):
    help = "Demo accounts for every role, a cohort and a finished workshop (debug only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo gives accounts a published password: it runs only with DJANGO_DEBUG=1."
            )
        call_command("load_content", stdout=io.StringIO())
        with transaction.atomic():
            people = [self._person(person) for person in PEOPLE]
            learner, facilitator, manager, _lead, _author = people
            self._progress(learner)
            self._cohort(manager, learner)
            workshop = self._workshop(facilitator, learner)
        self._print_logins(workshop)

    def _person(self, person: DemoPerson):
        user = get_user_model().objects.filter(email=person.email).first()
        if user is None:
            user = get_user_model().objects.create_user(person.email, name=person.name)
        user.name = person.name
        user.is_staff = person.is_staff
        user.is_superuser = person.is_superuser
        user.set_password(PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name__in=person.groups))
        return user

    def _progress(self, learner):
        """The learner has finished the first lesson and started the second."""
        first, second = Lesson.objects.prefetch_related("steps")[:2]
        for lesson, steps, done in [(first, None, True), (second, 2, False)]:
            seen = [step.pk for step in lesson.steps.all()][:steps]
            LessonProgress.objects.update_or_create(
                user=learner,
                lesson=lesson,
                defaults={
                    "seen_step_ids": seen,
                    "last_step_id": seen[-1],
                    "completed_at": timezone.now() if done else None,
                },
            )

    def _cohort(self, manager, learner):
        cohort, _created = Cohort.objects.get_or_create(
            owner=manager,
            name=COHORT_NAME,
            defaults={"due_date": timezone.localdate() + timedelta(days=14)},
        )
        Membership.objects.get_or_create(cohort=cohort, user=learner)

    def _workshop(self, facilitator, learner):
        existing = Workshop.objects.filter(host=facilitator, title=WORKSHOP_TITLE).first()
        if existing is not None:
            return existing
        plan = Plan.objects.order_by("pk").first()
        if plan is None:
            raise CommandError("No workshop plan loaded: check workshops/content/plans/.")
        workshop = Workshop.objects.create_from(
            host=facilitator, title=WORKSHOP_TITLE, items=plan.items.all(), plan=plan
        )
        room = [
            workshop.join(learner.name, user=learner),
            workshop.join("Sam"),
            workshop.join("Kit"),
        ]
        workshop.control("start")
        items = list(workshop.items.select_related("question").order_by("position"))
        asked = 0
        for index, item in enumerate(items):
            if index:
                workshop.control("next")
            if item.question_id is None:
                continue
            workshop.control("open")
            for seat, participant in enumerate(room):
                participant.answer(item, **_answer(item, right=_gets_right(seat, asked)))
            asked += 1
            workshop.control("close")
            workshop.control("reveal")
        workshop.control("end")
        return workshop

    def _print_logins(self, workshop):
        self.stdout.write(f"Demo accounts, all with the password {PASSWORD!r}:\n")
        for person in PEOPLE:
            self.stdout.write(
                f"  {person.role:<13} {person.email:<24} then open {person.opens_first}\n"
            )
        self.stdout.write(
            f"A cohort ({COHORT_NAME!r}) with the learner in it, and a finished workshop: "
            f"results at {workshop.results_url}\n"
        )


def _gets_right(seat: int, asked: int) -> bool:
    """Who in the demo room answers question number `asked` (from 0) right: the learner
    always, Sam all but every third, Kit every other one. All answer at once, so points
    differ by rightness alone; this way the podium shows three places, not a tie."""
    return [True, asked % 3 != 2, asked % 2 == 0][seat]


def _answer(item, *, right: bool) -> dict:
    """A right (or a wrong) answer to the item's question, in Participant.answer's terms."""
    question = item.question
    if question.kind == Question.Kind.CLASSIFY:
        key = classify_keys([question])[question.pk]
        if not right:
            key = dict.fromkeys(key, "aws")
        return {"placements": key}
    choices = item.choices_in_order()
    wanted = [choice.pk for choice in choices if choice.is_correct == right]
    return {"choice_ids": wanted[:1] if question.kind != Question.Kind.MULTIPLE else wanted}
