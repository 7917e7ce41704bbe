from django.db import migrations

from sharedresp.roles import grant_in_migration


def grant(apps, schema_editor):
    grant_in_migration(apps, ("lessons", "lms"))


class Migration(migrations.Migration):
    dependencies = [
        ("sharedresp", "0004_role_permissions"),
        ("lessons", "0005_company_owners"),
        ("lms", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
