from django.db import migrations

from sharedresp.roles import grant_in_migration


def create_role_groups(apps, schema_editor):
    grant_in_migration(apps, ("quiz", "cohorts", "workshops"))


class Migration(migrations.Migration):
    dependencies = [
        ("sharedresp", "0003_email_identity"),
        ("quiz", "0008_permissions_revoke_and_item_statistics"),
        ("cohorts", "0002_permissions_manage_cohorts"),
        ("workshops", "0003_permission_run_workshops"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
