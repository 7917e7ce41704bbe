"""Single sign-on with OpenID Connect (mozilla-django-oidc) and SAML 2.0 (djangosaml2),
each off until configured.

People who sign in through the company's provider get an account on their first visit,
found or made by the site's one email rule, named from the provider's claims. Their
role groups follow the provider's groups through SSO_GROUP_ROLES at every sign-in, so
a person moved out of "facilitators" at the company stops facilitating here too.
"""

import logging
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.http import Http404
from djangosaml2 import views as saml_views
from djangosaml2.backends import Saml2Backend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from plumbing.claims import display_name

from .backends import CachedUser
from .roles import ROLE_PERMISSIONS

logger = logging.getLogger(__name__)


def sso_only() -> bool:
    """With sign-up closed and single sign-on on, only superusers may use a password."""
    return (settings.OIDC_ENABLED or settings.SAML_ENABLED) and not settings.SIGNUP_OPEN


def password_allowed(user) -> bool:
    return not sso_only() or user.is_superuser


def apply_roles(user, provider_groups) -> None:
    """Give `user` exactly the role groups their provider groups map to."""
    if isinstance(provider_groups, str):
        provider_groups = [provider_groups]
    mapping = settings.SSO_GROUP_ROLES
    wanted = {mapping[group] for group in provider_groups or () if group in mapping}
    roles = Group.objects.filter(name__in=ROLE_PERMISSIONS)
    user.groups.remove(*[group for group in roles if group.name not in wanted])
    user.groups.add(*[group for group in roles if group.name in wanted])


class SignInOnly:
    """A sign-in backend that grants nothing: permissions stay with the model backend."""

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False


class CompanyOIDCBackend(SignInOnly, CachedUser, OIDCAuthenticationBackend):
    """Signs people in from the provider's claims."""

    def filter_users_by_claims(self, claims):
        # Inactive accounts too: the callback then refuses them rather than making another.
        return self.UserModel.objects.filter(email=claims.get("email") or "")

    def verify_claims(self, claims):
        # A provider that says the address is unverified cannot vouch for who owns it.
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def create_user(self, claims):
        User = get_user_model()
        try:
            with transaction.atomic():
                user = User.objects.create_user(claims["email"], name=display_name(claims))
        except IntegrityError:
            # The same person's first sign-in in two tabs at once: the other made it.
            user = User.objects.get(email=claims["email"])
        logger.info("Created %s on first single sign-on", user.email)
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        apply_roles(user, claims.get(settings.SSO_GROUPS_CLAIM))
        return user


class CompanySaml2Backend(SignInOnly, CachedUser, Saml2Backend):
    """Signs people in from the SAML assertion's attributes (SAML_ATTRIBUTE_MAPPING)."""

    def save_user(self, user, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().save_user(user, *args, **kwargs)
        except IntegrityError:
            # The same person's first sign-in in two tabs at once: the other made it.
            return get_user_model().objects.get(email=user.email)

    def _update_user(self, user, attributes, attribute_mapping, force_save=False):
        created = user.pk is None
        user = super()._update_user(user, attributes, attribute_mapping, force_save)
        if created:
            logger.info("Created %s on first single sign-on", user.email)
        apply_roles(user, attributes.get(settings.SAML_GROUPS_ATTRIBUTE))
        return user


def enabled_only(setting: str, view):
    """404 while this single sign-on is not configured, rather than the library's error."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not getattr(settings, setting):
            raise Http404("Single sign-on is off")
        return view(request, *args, **kwargs)

    return checked


oidc_start = enabled_only("OIDC_ENABLED", OIDCAuthenticationRequestView.as_view())
oidc_callback = enabled_only("OIDC_ENABLED", OIDCAuthenticationCallbackView.as_view())
saml_login = enabled_only("SAML_ENABLED", saml_views.LoginView.as_view())
saml_acs = enabled_only("SAML_ENABLED", saml_views.AssertionConsumerServiceView.as_view())
saml_metadata = enabled_only("SAML_ENABLED", saml_views.MetadataView.as_view())
