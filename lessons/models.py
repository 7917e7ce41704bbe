from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Count
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


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    order = models.PositiveIntegerField()
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("lessons:lesson", args=[self.slug])


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

    def get_absolute_url(self):
        return reverse("lessons:explorer_layer", args=[self.service.slug, self.layer.slug])

    @property
    def why_html(self):
        return markdown.render(self.why)

    @property
    def customer_does_html(self):
        return markdown.render(self.customer_does)


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
