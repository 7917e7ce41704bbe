"""Onboarding cohorts: who must finish what by when, and the reminders they were sent."""

import itertools

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .status import Progress, Requirements, Status, Totals, status_of

# Addresses under /cohorts/ that a cohort's slug must not take.
RESERVED_SLUGS = {"new", "import"}


def can_manage_cohorts(user) -> bool:
    """Managers run their own cohorts; some (training leads) may manage every cohort."""
    return user.has_perm("cohorts.manage_own_cohorts") or user.has_perm(
        "cohorts.manage_any_cohort"
    )


class CohortQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Those who manage any cohort see all; a manager sees the cohorts they own."""
        return (
            self.all() if user.has_perm("cohorts.manage_any_cohort") else self.filter(owner=user)
        )

    def with_member_counts(self):
        return self.annotate(member_count=Count("memberships"))


class Cohort(models.Model):
    """A group of people who must finish the same training by the same date."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=140, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_cohorts",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    requires_course = models.BooleanField(_("every lesson of the course"), default=True)
    requires_practice_quizzes = models.BooleanField(
        _("every practice quiz, taken at least once"), default=False
    )
    requires_exam = models.BooleanField(_("the exam, with a valid certificate"), default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="cohorts", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "name"]
        permissions = [
            ("manage_own_cohorts", _("Can run cohorts of their own")),
            ("manage_any_cohort", _("Can manage any cohort")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="cohort_name_unique_per_owner"),
            models.CheckConstraint(
                condition=Q(requires_course=True)
                | Q(requires_practice_quizzes=True)
                | Q(requires_exam=True),
                name="cohort_requires_something",
                violation_error_message=_("Choose at least one thing members must finish."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.slug:
            return super().save(*args, **kwargs)
        # Two cohorts of the same name created at once race for one slug: the unique
        # index lets one win, and the other takes the next free slug.
        for _attempt in range(3):
            self.slug = self._free_slug()
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                if not Cohort.objects.filter(slug=self.slug).exists():
                    raise
        raise IntegrityError(f"No free address for the cohort {self.name!r}")

    def get_absolute_url(self):
        return reverse("cohorts:detail", args=[self.slug])

    @property
    def requirements(self) -> Requirements:
        return Requirements(
            course=self.requires_course,
            practice_quizzes=self.requires_practice_quizzes,
            exam=self.requires_exam,
        )

    @property
    def requirement_labels(self) -> list[str]:
        """What members must finish, in words: ["every lesson", ...]."""
        wanted = [
            (self.requires_course, _("every lesson")),
            (self.requires_practice_quizzes, _("each practice quiz at least once")),
            (self.requires_exam, _("the exam, with a valid certificate")),
        ]
        return [str(label) for required, label in wanted if required]

    def status_of(self, progress: Progress, totals: Totals, on) -> Status:
        """A member's status in this cohort on the date `on` (see status.py)."""
        return status_of(progress, self.requirements, totals, self.due_date, on)

    def _free_slug(self) -> str:
        base = slugify(self.name)[:120] or "cohort"
        taken = set(Cohort.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        taken |= RESERVED_SLUGS
        candidates = itertools.chain([base], (f"{base}-{n}" for n in itertools.count(2)))
        return next(slug for slug in candidates if slug not in taken)


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")
        ]

    def __str__(self):
        return f"{self.user} in {self.cohort}"


class ReminderLog(models.Model):
    """A reminder sent to one member for one period ("week:2025-W48", "day:2025-11-28").

    The row is written before the email goes out, and the unique constraint makes that
    write a claim: when two cron runs overlap, only one of them can send.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reminders")
    period = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "period"], name="one_reminder_per_period"
            )
        ]

    def __str__(self):
        return f"{self.membership} ({self.period})"
