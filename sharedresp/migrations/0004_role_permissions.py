from django.contrib.auth.management import create_permissions
from django.db import migrations

from sharedresp.roles import grant_role_permissions


def create_role_groups(apps, schema_editor):
    # Permissions are normally made after every migration has run; the groups need them now.
    for label in ("quiz", "cohorts", "workshops"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    grant_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("sharedresp", "0003_email_identity"),
        ("quiz", "0008_permissions_revoke_and_item_statistics"),
        ("cohorts", "0002_permissions_manage_cohorts"),
        ("workshops", "0003_permission_run_workshops"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
