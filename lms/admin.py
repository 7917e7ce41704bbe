from django.contrib import admin

from .models import Platform, Statement


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "client_id", "last_error_at")
    readonly_fields = ("last_error", "last_error_at", "created_at")
    search_fields = ("name", "issuer", "client_id")


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """The xAPI outbox: what waits for the LRS, and why."""

    list_display = ("statement_id", "created_at", "sent_at", "tries", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("statement_id", "body", "created_at", "sent_at", "tries", "due_at")

    def has_add_permission(self, request):
        return False
