from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
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


for model in CONTENT_MODELS:
    post_save.connect(content_changed, sender=model, dispatch_uid=f"bump-on-save-{model.__name__}")
    post_delete.connect(
        content_changed, sender=model, dispatch_uid=f"bump-on-delete-{model.__name__}"
    )
