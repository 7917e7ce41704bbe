from collections import defaultdict

from django.db import migrations

import sharedresp.models
from sharedresp.identity import normalise_email


def normalise_stored_emails(apps, schema_editor):
    """Store every address in its normalised form.

    Addresses that become the same one belonged to one person and a look-alike. The
    account whose address was already in normal form (else the oldest) keeps it; the
    others are deactivated and moved to the undeliverable address
    `look-alike-<id>@duplicate.invalid`, for an administrator to look at.
    """
    User = apps.get_model("sharedresp", "User")
    same = defaultdict(list)
    for pk, email in User.objects.order_by("pk").values_list("pk", "email"):
        same[normalise_email(email)].append((pk, email))
    keepers = {}
    for key, accounts in same.items():
        keeper = next((pk for pk, email in accounts if email == key), accounts[0][0])
        keepers[keeper] = key
        for pk, email in accounts:
            if pk != keeper:
                User.objects.filter(pk=pk).update(
                    email=f"look-alike-{pk}@duplicate.invalid", is_active=False
                )
    for pk, key in keepers.items():
        User.objects.filter(pk=pk).update(email=key)


class Migration(migrations.Migration):
    dependencies = [
        ("sharedresp", "0002_role_groups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=sharedresp.models.EmailIdentityField(
                max_length=254, unique=True, verbose_name="email address"
            ),
        ),
        migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop),
    ]
