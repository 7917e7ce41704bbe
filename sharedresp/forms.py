from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from . import sso, throttle
from .identity import EmailIdentityFormField


class SignUpForm(forms.ModelForm):
    """Name and address; the password is chosen after the emailed link proves the address."""

    class Meta:
        model = get_user_model()
        fields = ("name", "email")
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def validate_unique(self):
        # An address that has an account gets an email saying so, never a form error:
        # the page must not tell a visitor who has an account here.
        pass


class EmailAuthenticationForm(AuthenticationForm):
    username = EmailIdentityFormField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "too_many": _(
            "Too many log-in attempts for this account or from your network. Wait 15 "
            "minutes and try again, or reset your password."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if settings.OIDC_ENABLED or settings.SAML_ENABLED:
            # The provider's button comes first; the cursor must not pull people past it.
            self.fields["username"].widget.attrs.pop("autofocus", None)

    def clean(self):
        email = self.cleaned_data.get("username")
        if email and throttle.LOGIN.exceeded(self.request, email):
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not sso.password_allowed(user):
            raise forms.ValidationError(
                _("Sign in with %(provider)s: this site takes no passwords but administrators'.")
                % {
                    "provider": settings.SSO_LABEL
                    if settings.OIDC_ENABLED
                    else settings.SAML_LABEL
                },
                code="sso_only",
            )


class EmailPasswordResetForm(PasswordResetForm):
    email = EmailIdentityFormField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        """Active accounts with a password whose normalised address is `email`."""
        users = get_user_model()._default_manager.filter(email=email, is_active=True)
        return (
            user for user in users if user.has_usable_password() and sso.password_allowed(user)
        )

    def save(self, *args, request=None, **kwargs):
        # Past the limit nothing is sent, and the page says what it always says.
        if not throttle.PASSWORD_RESET.exceeded(request, self.cleaned_data["email"]):
            super().save(*args, request=request, **kwargs)
