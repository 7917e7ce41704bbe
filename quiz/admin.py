from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Answer, Attempt, Certificate, Choice, ExamSettings, Question, Quiz


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ["order", "text", "is_correct", "feedback"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["slug", "kind", "lesson", "step", "retired"]
    list_filter = ["kind", "lesson", "retired"]
    search_fields = ["slug", "prompt"]
    list_select_related = ["lesson", "step__lesson"]
    inlines = [ChoiceInline]


class ExamSettingsInline(admin.StackedInline):
    """An exam's rules; its pool is the quiz's questions, its draw the question count."""

    model = ExamSettings
    extra = 0
    can_delete = False


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "mode", "question_count", "retired"]
    list_filter = ["mode", "retired"]
    filter_horizontal = ["questions"]
    inlines = [ExamSettingsInline]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "choices", "placements", "score", "answered_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Read-only: an attempt is the learner's record, changed only by taking the quiz."""

    list_display = ["user", "quiz", "status", "score", "passed", "started_at", "submitted_at"]
    list_filter = ["status", "quiz"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user", "quiz"]
    inlines = [AnswerInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: certificates are issued by passing and revoked on their own page, where
    staff must give a reason."""

    list_display = [
        "code",
        "name",
        "course_title",
        "issued_at",
        "expires_at",
        "revoked_at",
        "revoke",
    ]
    list_filter = ["quiz", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "user__email"]
    list_select_related = ["quiz"]
    readonly_fields = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    # The revoke page checks this permission: offer its link only to those it admits.
    def get_list_display(self, request):
        if request.user.has_perm("quiz.revoke_certificate"):
            return self.list_display
        return [name for name in self.list_display if name != "revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if request.user.has_perm("quiz.revoke_certificate") else []

    @admin.display(description=_("Revoke"))
    def revoke(self, certificate):
        if certificate.revoked_at:
            return _("Revoked")
        url = reverse("quiz:certificate_revoke", args=[certificate.code])
        return format_html('<a href="{}">{}</a>', url, _("Revoke with a reason"))
