from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Course,
    Layer,
    Lesson,
    LessonProgress,
    Responsibility,
    Service,
    SortResult,
    Step,
)

FILES_ARE_THE_SOURCE = _(
    "Loaded from lessons/content/. Edit the files for lasting changes: the next "
    "load_content run puts back what the files say."
)


class ContentAuthorAccess:
    """Staff are the content authors: every staff member may edit course content."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


class StepInline(ContentAuthorAccess, admin.StackedInline):
    model = Step
    extra = 0
    fields = ("order", "slug", "title", "body", "explorer_service", "explorer_layer")


@admin.register(Lesson)
class LessonAdmin(ContentAuthorAccess, admin.ModelAdmin):
    list_display = ("order", "title", "slug")
    fieldsets = [
        (
            None,
            {
                "fields": ("course", "order", "slug", "title", "summary", "sources"),
                "description": FILES_ARE_THE_SOURCE,
            },
        )
    ]
    inlines = [StepInline]


class ResponsibilityInline(ContentAuthorAccess, admin.StackedInline):
    model = Responsibility
    extra = 0


@admin.register(Service)
class ServiceAdmin(ContentAuthorAccess, admin.ModelAdmin):
    list_display = ("order", "name", "slug", "category")
    fieldsets = [
        (
            None,
            {
                "fields": ("order", "slug", "name", "category", "summary", "sources"),
                "description": FILES_ARE_THE_SOURCE,
            },
        )
    ]
    inlines = [ResponsibilityInline]


@admin.register(Layer)
class LayerAdmin(ContentAuthorAccess, admin.ModelAdmin):
    list_display = ("order", "name", "kind", "house_part")
    fieldsets = [
        (
            None,
            {
                "fields": ("order", "slug", "name", "kind", "house_part", "summary"),
                "description": FILES_ARE_THE_SOURCE,
            },
        )
    ]


@admin.register(Course)
class CourseAdmin(ContentAuthorAccess, admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ("slug", "title", "summary"), "description": FILES_ARE_THE_SOURCE})
    ]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "lesson", "completed_at", "updated_at")
    list_filter = ("lesson",)
    search_fields = ("user__email", "user__name")
    list_select_related = ("user", "lesson")
    readonly_fields = (
        "user",
        "lesson",
        "seen_step_ids",
        "last_step",
        "started_at",
        "completed_at",
    )


@admin.register(SortResult)
class SortResultAdmin(admin.ModelAdmin):
    list_display = ("user", "service", "correct", "total", "created_at")
    list_select_related = ("user", "service")
    readonly_fields = ("user", "service", "answers", "correct", "total", "created_at")
