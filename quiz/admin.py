from django.contrib import admin

from .models import Answer, Attempt, Choice, Question, Quiz


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


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "mode", "question_count", "retired"]
    list_filter = ["mode", "retired"]
    filter_horizontal = ["questions"]


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

    list_display = ["user", "quiz", "status", "score", "started_at", "submitted_at"]
    list_filter = ["status", "quiz"]
    search_fields = ["user__email", "user__name"]
    list_select_related = ["user", "quiz"]
    inlines = [AnswerInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
