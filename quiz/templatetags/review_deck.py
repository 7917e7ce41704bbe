from django import template
from django.utils import timezone

from quiz.models import ReviewCard

register = template.Library()


@register.simple_tag
def review_due_count(user) -> int:
    """How many of the learner's review questions are due now: one query."""
    if not user.is_authenticated:
        return 0
    return ReviewCard.objects.due_for(user, timezone.now()).count()
