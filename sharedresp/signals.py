"""What the shared cache holds of an account (its row, its permissions) is forgotten
whenever the account, its roles or a role's permissions change."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import receiver

from plumbing.shared_cache import forget, forget_on_change

from .backends import cached_permissions_key, cached_user_key

User = get_user_model()
CHANGES = ("post_add", "post_remove", "pre_clear")


def forget_permissions(user_ids, using) -> None:
    forget((cached_permissions_key(user_id) for user_id in user_ids), using)


forget_on_change(User, lambda user: [cached_user_key(user.pk), cached_permissions_key(user.pk)])


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="forget-on-role-change")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="forget-on-grant")
def account_grants_changed(sender, instance, action, reverse, pk_set, using, **kwargs):
    if action not in CHANGES:
        return
    if not reverse:
        forget_permissions([instance.pk], using)
    elif action == "pre_clear":
        # A group or permission cleared of its users: they are known only before.
        forget_permissions(instance.user_set.values_list("pk", flat=True), using)
    else:
        forget_permissions(pk_set, using)


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="forget-on-role-edit")
def role_permissions_changed(sender, instance, action, reverse, pk_set, using, **kwargs):
    if action not in CHANGES:
        return
    if not reverse:
        groups = [instance.pk]
    elif action == "pre_clear":
        groups = instance.group_set.values_list("pk", flat=True)
    else:
        groups = pk_set
    members = User.objects.filter(groups__in=groups).values_list("pk", flat=True).distinct()
    forget_permissions(members, using)


@receiver(pre_delete, sender=Group, dispatch_uid="forget-on-role-delete")
def role_deleted(sender, instance, using, **kwargs):
    forget_permissions(instance.user_set.values_list("pk", flat=True), using)
