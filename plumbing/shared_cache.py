"""Rows read from the cache every process shares (settings.CACHES["shared"]), forgotten
there whenever they change."""

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save

ALIAS = "shared"


def shared_cache():
    return caches[ALIAS]


def forget(keys, using=None) -> None:
    """Delete `keys` from the shared cache at once, and again once the transaction
    commits, so that a reader who cached the old value while the change was uncommitted
    does not keep it."""
    keys = list(keys)
    if not keys:
        return
    shared_cache().delete_many(keys)
    transaction.on_commit(lambda: shared_cache().delete_many(keys), using=using)


def forget_on_change(model, keys_of) -> None:
    """Forget `keys_of(row)` whenever a row of `model` is saved or deleted."""

    def forget_row(sender, instance, using, **kwargs):
        forget(keys_of(instance), using)

    uid = f"forget-{model._meta.label_lower}"
    post_save.connect(forget_row, sender=model, weak=False, dispatch_uid=f"{uid}-on-save")
    post_delete.connect(forget_row, sender=model, weak=False, dispatch_uid=f"{uid}-on-delete")
