from django.contrib.auth.management import create_permissions
from django.db import migrations

from sharedresp.roles import grant_role_permissions


def grant(apps, schema_editor):
    # As in 0004: the permissions are made after all migrations, the group needs them now.
    for label in ("lessons", "lms"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    grant_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("sharedresp", "0004_role_permissions"),
        ("lessons", "0005_company_owners"),
        ("lms", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
