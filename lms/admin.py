from django.contrib import admin
from django.db import models

from .models import Platform, Statement


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "client_id", "last_error_at")
    readonly_fields = ("last_error", "last_error_at", "created_at")
    search_fields = ("name", "issuer", "client_id")
    # As PlatformForm: an address typed without a scheme is https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """The xAPI outbox: what waits for the LRS, and why."""

    list_display = ("statement_id", "created_at", "sent_at", "tries", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("statement_id", "body", "created_at", "sent_at", "tries", "due_at")

    def has_add_permission(self, request):
        return False
