import math
import time
from typing import NamedTuple

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import markdown


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()

    def __str__(self):
        return self.title


class LessonQuerySet(models.QuerySet):
    def with_minutes(self):
        """Each lesson with `minutes`, about how long it takes, in the same query."""
        # A GROUP BY query ignores Meta.ordering, so the course order is asked for again.
        return self.annotate(
            body_chars=Coalesce(Sum(Length("steps__body")), 0), step_total=Count("steps")
        ).order_by("order")


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    order = models.PositiveIntegerField()
    sources = models.JSONField(default=list, blank=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("lessons:lesson", args=[self.slug])

    @property
    def minutes(self) -> int:
        """Reading at about 180 words (1,100 characters) a minute, plus half a minute a
        step to look at the picture and think. Needs Lesson.objects.with_minutes()."""
        return max(1, math.ceil(self.body_chars / 1100 + self.step_total / 2))


class Step(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="steps")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown; raw HTML is shown as text."))
    body_html = models.TextField(editable=False)
    order = models.PositiveIntegerField()
    explorer_service = models.ForeignKey(
        "Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    explorer_layer = models.ForeignKey(
        "Layer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    explorer_view = models.CharField(
        max_length=5,
        choices=[("stack", _("Stack")), ("house", _("House"))],
        default="stack",
        help_text=_("How the embedded explorer draws the service."),
    )

    class Meta:
        ordering = ["lesson__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "slug"], name="step_slug_unique_in_lesson")
        ]

    def __str__(self):
        return f"{self.lesson.title}: {self.title}"

    def save(self, *args, **kwargs):
        self.body_html = markdown.render(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("lessons:step", args=[self.lesson.slug, self.slug])


class Layer(models.Model):
    """A part of the stack (physical ... data), or a duty the customer keeps everywhere."""

    class Kind(models.TextChoices):
        LAYER = "layer", _("Layer of the stack")
        DUTY = "duty", _("Duty on every service")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    order = models.PositiveIntegerField()
    house_part = models.CharField(max_length=200)
    summary = models.TextField()

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.name


class Service(models.Model):
    class Category(models.TextChoices):
        # The 2016 AWS Security Best Practices whitepaper's three kinds of service.
        INFRASTRUCTURE = "infrastructure", _("Infrastructure service")
        MANAGED = "managed", _("Managed (container) service")
        ABSTRACTED = "abstracted", _("Abstracted service")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=14, choices=Category.choices)
    order = models.PositiveIntegerField()
    summary = models.TextField()
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("lessons:explorer", args=[self.slug])

    @property
    def maker(self) -> str:
        """ "Amazon " or "AWS ": the part of the name a crowded picker may leave unsaid."""
        for maker in ("Amazon ", "AWS "):
            if self.name.startswith(maker):
                return maker
        return ""

    @property
    def short_name(self) -> str:
        return self.name.removeprefix(self.maker)


class Owner(models.TextChoices):
    AWS = "aws", _("AWS")
    CUSTOMER = "customer", _("You, the customer")
    SHARED = "shared", _("Shared")


class Responsibility(models.Model):
    """Who secures one layer of one service, and why. Exactly one row per pair."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="responsibilities")
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="responsibilities")
    owner = models.CharField(max_length=8, choices=Owner.choices)
    why = models.TextField()
    customer_does = models.TextField()
    why_rendered = models.TextField(editable=False, default="")
    customer_does_rendered = models.TextField(editable=False, default="")

    why_html = markdown.StoredHtml("why_rendered")
    customer_does_html = markdown.StoredHtml("customer_does_rendered")

    class Meta:
        ordering = ["service__order", "layer__order"]
        verbose_name_plural = "responsibilities"
        constraints = [
            models.UniqueConstraint(fields=["service", "layer"], name="one_owner_per_layer"),
            models.CheckConstraint(
                condition=models.Q(owner__in=Owner.values), name="owner_is_known"
            ),
        ]

    def __str__(self):
        return f"{self.service.name} / {self.layer.name}: {self.get_owner_display()}"

    def save(self, *args, **kwargs):
        self.why_rendered = markdown.render(self.why)
        self.customer_does_rendered = markdown.render(self.customer_does)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("lessons:explorer_layer", args=[self.service.slug, self.layer.slug])


class CompanyOwnerQuerySet(models.QuerySet):
    def for_service(self, service_id: int) -> dict[int, "CompanyOwner"]:
        """The company's owner of each layer on one service, by layer id: one query.

        A row named for the service wins over the row for every service."""
        rows = self.filter(
            models.Q(service_id=service_id) | models.Q(service__isnull=True)
        ).order_by(models.F("service_id").asc(nulls_first=True))
        return {row.layer_id: row for row in rows}

    def for_part(self, row: "Responsibility") -> "CompanyOwner | None":
        """The company's owner of one part the customer secures or shares (one query),
        None for AWS's own parts (no query)."""
        if row.owner == Owner.AWS:
            return None
        return self.for_service(row.service_id).get(row.layer_id)


class CompanyOwner(models.Model):
    """Who in the company looks after a part the customer secures: "You → Platform team".

    Set by the company on a staff page (lessons/views.py: company_owners); none at first,
    and then the diagrams show only AWS and "You". Shown beside the customer's and the
    shared layers only: AWS's own layers have no owner in the company.
    """

    layer = models.ForeignKey(
        Layer, on_delete=models.CASCADE, related_name="company_owners", verbose_name=_("layer")
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("service"),
        help_text=_("Empty: on every service."),
    )
    team = models.CharField(
        _("team"), max_length=100, help_text=_("For example: Platform team, Security.")
    )
    link = models.URLField(
        _("contact or runbook"),
        blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("Optional: a page that says how to reach them or what they do."),
    )

    objects = CompanyOwnerQuerySet.as_manager()

    class Meta:
        ordering = ["layer__order", "service__order"]
        verbose_name = _("company owner")
        permissions = [
            ("set_company_owners", _("Can name the company's owners on the diagram")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "service"], name="one_company_owner_per_layer_and_service"
            ),
            models.UniqueConstraint(
                fields=["layer"],
                condition=models.Q(service__isnull=True),
                name="one_company_owner_per_layer_everywhere",
            ),
        ]

    def __str__(self):
        where = self.service.name if self.service_id else _("every service")
        return f"{self.layer.name} ({where}): {self.team}"


class LessonCounts(NamedTuple):
    started: int
    completed: int


class LessonProgressQuerySet(models.QuerySet):
    def counts_for(self, user_ids) -> dict[int, LessonCounts]:
        """Lessons started and completed per user, in one query for any number of users.

        `user_ids` may be a list or a queryset of ids; users with no progress are absent.
        """
        rows = (
            self.filter(user_id__in=user_ids)
            .order_by()
            .values("user_id")
            .annotate(started=Count("pk"), completed=Count("completed_at"))
        )
        return {row["user_id"]: LessonCounts(row["started"], row["completed"]) for row in rows}


class LessonProgress(models.Model):
    """One learner's place in one lesson: what they have seen, where they stopped."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    seen_step_ids = models.JSONField(default=list)
    last_step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.SET_NULL)
    completed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonProgressQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_lesson")
        ]

    def __str__(self):
        return f"{self.user} in {self.lesson}"


class SortResult(models.Model):
    """A learner's answer to the "sort the stack" exercise for one service."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sort_results"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(help_text=_("Layer slug to the owner the learner chose."))
    correct = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "service", "-created_at"])]

    def __str__(self):
        return f"{self.user} sorted {self.service}: {self.correct}/{self.total}"


class ContentVersion(models.Model):
    """One row whose number changes whenever the content does (load_content, the admin).

    Pages that depend only on content are cached under this number, so a change shows
    in every process and nothing has to be purged. Each process reads it at most once
    a second (READ_EVERY): a cached page then costs no query at all, and a change made
    by another process shows within that second.
    """

    READ_EVERY = 1.0
    _read: tuple[int, float] | None = None  # (number, monotonic time), this process's

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"content version {self.number}"

    @classmethod
    def current(cls) -> int:
        read = cls._read
        if read is None or time.monotonic() - read[1] >= cls.READ_EVERY:
            number = cls.objects.filter(pk=1).values_list("number", flat=True).first() or 0
            read = cls._read = (number, time.monotonic())
        return read[0]

    @classmethod
    def bump(cls) -> None:
        # One UPDATE, atomic in the database: two bumps at once both count.
        if not cls.objects.filter(pk=1).update(number=models.F("number") + 1):
            cls.objects.get_or_create(pk=1, defaults={"number": 1})
        cls._read = None  # this process sees its own change at once
