"""The role groups and the permissions each carries. Staff status alone grants none.

The migrations 0004_role_permissions and 0005_training_lead_owners_and_lms apply this;
a change here needs a new migration that calls `grant_in_migration` again.
"""

from django.contrib.auth.management import create_permissions
from django.db.models import Q

ROLE_PERMISSIONS = {
    "Facilitator": ["workshops.run_workshops"],
    "Manager": ["cohorts.manage_own_cohorts"],
    "Training lead": [
        "cohorts.manage_any_cohort",
        "quiz.revoke_certificate",
        "quiz.view_item_statistics",
        "lessons.set_company_owners",
        # The SCORM package and the LMS platforms that launch the course by LTI.
        "lessons.view_lesson",
        "lms.change_platform",
    ],
    "Content author": ["quiz.view_item_statistics"],
}


def grant_role_permissions(Group, Permission) -> None:
    """Make each role group and give it its permissions (models passed in, so that a
    migration can use its historical ones)."""
    for name, permissions in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = Q()
        for permission in permissions:
            app_label, codename = permission.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))


def grant_in_migration(apps, app_labels) -> None:
    """For a data migration: make the permissions of `app_labels` now (Django makes them
    only after every migration has run) and give each role group its own."""
    for label in app_labels:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    grant_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
