"""What the LTI 1.3 tool and the xAPI outbox keep.

LTI: the platforms (LMSs) that staff registered, our own signing keys, the one-use
login states, which platform account is which sharedresp account, and where a launched
quiz's scores go. xAPI: statements waiting for the learning record store.
"""

import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _


class ToolKeyQuerySet(models.QuerySet):
    def current(self) -> "ToolKey":
        """The newest key pair, made on first use."""
        key = self.order_by("-created_at", "-pk").first()
        return key or self.generate()

    def generate(self) -> "ToolKey":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return self.create(kid=get_random_string(24), private_key=pem)


class ToolKey(models.Model):
    """Our RSA key pair: signs deep linking responses and the client assertions of grade
    passback. Platforms read the public half at /lti/jwks/."""

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    private_key = models.TextField(help_text=_("PEM (PKCS#8); never leaves the server."))
    created_at = models.DateTimeField(default=timezone.now)

    objects = ToolKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("LTI tool key")

    def __str__(self):
        return self.kid


class Platform(models.Model):
    """An LMS that launches sharedresp as an LTI 1.3 tool, as its admin registered it."""

    name = models.CharField(_("name"), max_length=100)
    issuer = models.CharField(
        _("issuer"), max_length=255, help_text=_("The platform's `iss`, e.g. its base URL.")
    )
    client_id = models.CharField(_("client id"), max_length=255)
    deployment_ids = models.TextField(
        _("deployment ids"), help_text=_("One per line: launches from any other are refused.")
    )
    auth_login_url = models.URLField(_("authentication request URL"), max_length=500)
    access_token_url = models.URLField(_("access token URL"), max_length=500)
    jwks_url = models.URLField(_("public keyset URL"), max_length=500)
    trust_email = models.BooleanField(
        _("link by email"),
        default=False,
        help_text=_(
            "Only if this platform verifies its users' addresses and lets nobody change "
            "them: a launch then signs into the existing account with the same address. "
            "Otherwise such a person must sign in once here to link the accounts."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        verbose_name = _("LTI platform")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="one_platform_per_client")
        ]

    def __str__(self):
        return self.name

    @property
    def deployments(self) -> set[str]:
        return {line.strip() for line in self.deployment_ids.splitlines() if line.strip()}

    def record_error(self, message: str) -> None:
        """Keep the latest failure of a call to this platform for the staff page."""
        now = timezone.now()
        Platform.objects.filter(pk=self.pk).update(last_error=message[:2000], last_error_at=now)
        self.last_error, self.last_error_at = message, now


class LoginState(models.Model):
    """One OIDC login initiation: the state and nonce the launch must bring back, once."""

    LIFETIME_SECONDS = 600

    state = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64)
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.state


class PlatformAccount(models.Model):
    """A person on a platform, by the platform's issuer and subject, and their account here.

    The subject is the platform's stable id for the person; the email in a launch is
    only a claim that the person may be able to change, so it never picks the account.
    """

    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_accounts"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_subject")
        ]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class GradeLink(models.Model):
    """A quiz launched from a platform's gradebook column: its scores go back there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_grade_links"
    )
    quiz = models.ForeignKey("quiz.Quiz", on_delete=models.CASCADE, related_name="+")
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="grade_links")
    subject = models.CharField(max_length=255)
    resource_link_id = models.CharField(max_length=255)
    lineitem_url = models.URLField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "platform", "resource_link_id"], name="one_grade_link_per_resource"
            )
        ]
        indexes = [models.Index(fields=["user", "quiz"])]

    def __str__(self):
        return f"{self.user} {self.quiz} -> {self.lineitem_url}"


class Statement(models.Model):
    """An xAPI statement in the outbox: written with the event, sent by the worker."""

    statement_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    # Not to be sent before then: while a worker is sending it (a lease rather than a row
    # lock held across the HTTP call, so a crashed worker's claim runs out), and after a
    # failed try (the back-off). Empty: due now.
    due_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The LRS refused this statement itself (a 4xx for its content, not an outage):
    # sending it again unchanged would be refused again, so it waits for a person.
    refused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI statement")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="lms_statement_unsent",
            )
        ]

    def __str__(self):
        return str(self.statement_id)
