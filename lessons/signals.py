from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .progress import move_session_progress_to_account


@receiver(user_logged_in, dispatch_uid="lessons-move-session-progress")
def keep_progress_made_before_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        move_session_progress_to_account(request.session, user)
