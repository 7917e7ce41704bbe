from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import (
    CompanyOwner,
    ContentVersion,
    Course,
    Layer,
    Lesson,
    Responsibility,
    Service,
    Step,
)
from .progress import move_session_progress_to_account

# The company's owners show on the diagrams, so they are content to the page cache.
CONTENT_MODELS = (CompanyOwner, Course, Layer, Lesson, Responsibility, Service, Step)


@receiver(user_logged_in, dispatch_uid="lessons-move-session-progress")
def keep_progress_made_before_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        move_session_progress_to_account(request.session, user)


def content_changed(sender, **kwargs):
    """An edit in the admin shows at once: cached pages are keyed by the version."""
    ContentVersion.bump()


def bump_on_change(*models, relations=()) -> None:
    """Bump the content version whenever a row of `models`, or a link of the
    many-to-many `relations` (their through models), is saved or deleted."""
    for model in models:
        uid = f"bump-on-change-{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}-delete")
    for through in relations:
        m2m_changed.connect(
            content_changed, sender=through, dispatch_uid=f"bump-on-change-{through.__name__}"
        )


bump_on_change(*CONTENT_MODELS)
