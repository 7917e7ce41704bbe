from django.contrib import admin

from .models import Cohort, Membership, ReminderLog


class ManageAnyCohort:
    """The admin shows every cohort, so it asks what the views ask before showing them
    all: the permission to manage any cohort."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("cohorts.manage_any_cohort")

    has_module_permission = has_view_permission

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    has_add_permission = has_delete_permission = has_change_permission


class MembershipInline(ManageAnyCohort, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "added_at"]
    readonly_fields = ["added_at"]
    raw_id_fields = ["user"]


@admin.register(Cohort)
class CohortAdmin(ManageAnyCohort, admin.ModelAdmin):
    list_display = ["name", "owner", "due_date", "requires_course", "requires_practice_quizzes"]
    list_filter = ["requires_course", "requires_practice_quizzes"]
    search_fields = ["name", "slug", "owner__email", "owner__name"]
    list_select_related = ["owner"]
    readonly_fields = ["slug", "created_at"]
    raw_id_fields = ["owner"]
    date_hierarchy = "due_date"
    inlines = [MembershipInline]


@admin.register(ReminderLog)
class ReminderLogAdmin(ManageAnyCohort, admin.ModelAdmin):
    """Read-only: the record of what send_reminders sent."""

    list_display = ["membership", "period", "sent_at"]
    search_fields = ["membership__user__email", "membership__cohort__name"]
    list_select_related = ["membership__user", "membership__cohort"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
