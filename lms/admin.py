from django.contrib import admin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Platform, Statement
from .tasks import send_statements


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

    list_display = ("statement_id", "created_at", "sent_at", "refused_at", "tries", "last_error")
    list_filter = (
        ("sent_at", admin.EmptyFieldListFilter),
        ("refused_at", admin.EmptyFieldListFilter),
    )
    readonly_fields = (
        "statement_id",
        "body",
        "created_at",
        "sent_at",
        "refused_at",
        "tries",
        "due_at",
        "last_error",
    )
    actions = ["send_again"]

    @admin.action(description=_("Send the refused statements again"))
    def send_again(self, request, queryset):
        # For once the LRS has been changed to accept them: they wait in the outbox again.
        count = (
            queryset.filter(sent_at=None)
            .exclude(refused_at=None)
            .update(refused_at=None, due_at=None)
        )
        transaction.on_commit(send_statements.enqueue)
        self.message_user(
            request,
            ngettext(
                "%(count)d statement will be sent again.",
                "%(count)d statements will be sent again.",
                count,
            )
            % {"count": count},
        )

    def has_add_permission(self, request):
        return False
