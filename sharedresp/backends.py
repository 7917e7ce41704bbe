from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from plumbing.shared_cache import shared_cache

# How long a signed-in user's row, and their permissions, may be served from the shared
# cache. Every change forgets them at once (signals.py); this bounds one made around the
# ORM.
USER_TIMEOUT = 5 * 60


def cached_user_key(user_id) -> str:
    return f"user:{user_id}"


def cached_permissions_key(user_id) -> str:
    return f"permissions:{user_id}"


class CachedUser:
    """The signed-in user, read from the shared cache instead of a query on every page.

    Only an active account is kept or returned: a deactivated one is signed out at its
    next request, whichever backend signed it in.
    """

    def get_user(self, user_id):
        cache = shared_cache()
        key = cached_user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None or not user.is_active:
                return None
            cache.set(key, user, USER_TIMEOUT)
        return user if user.is_active else None


class OneQueryModelBackend(CachedUser, ModelBackend):
    """Django's model backend, loading a user's permissions (own and through groups) in
    one query instead of two, and that only when the shared cache does not hold them:
    the header asks on every page."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            cache = shared_cache()
            key = cached_permissions_key(user_obj.pk)
            user_obj._perm_cache = cache.get(key)
            if user_obj._perm_cache is None:
                user_obj._perm_cache = self._load_permissions(user_obj)
                cache.set(key, user_obj._perm_cache, USER_TIMEOUT)
        return user_obj._perm_cache

    def _load_permissions(self, user_obj) -> set[str]:
        if user_obj.is_superuser:
            permissions = Permission.objects.all()
        else:
            permissions = Permission.objects.filter(
                Q(user=user_obj) | Q(group__user=user_obj)
            ).distinct()
        return {
            f"{app_label}.{codename}"
            for app_label, codename in permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
