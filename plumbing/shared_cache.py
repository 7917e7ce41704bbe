"""Rows read from the cache every process shares (settings.CACHES["shared"]), forgotten
there whenever they change."""

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save

ALIAS = "shared"


def shared_cache():
    return caches[ALIAS]


def forget_on_change(model, key_of) -> None:
    """Delete `key_of(row)` from the shared cache whenever a row of `model` is saved or
    deleted: at once, and again once the transaction commits, so that a reader who
    cached the old row while the change was uncommitted does not keep it."""

    def forget(sender, instance, using, **kwargs):
        key = key_of(instance)
        shared_cache().delete(key)
        transaction.on_commit(lambda: shared_cache().delete(key), using=using)

    uid = f"forget-{model._meta.label_lower}"
    post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}-on-save")
    post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"{uid}-on-delete")
