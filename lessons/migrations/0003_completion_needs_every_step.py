"""Completions recorded before the rule "every step seen" are kept only if they meet it.

Until now one POST completed a lesson; a cohort report then counted lessons nobody read.
"""

from django.db import migrations


def uncomplete_lessons_with_unseen_steps(apps, schema_editor):
    LessonProgress = apps.get_model("lessons", "LessonProgress")
    Step = apps.get_model("lessons", "Step")
    steps = {}
    for step_id, lesson_id in Step.objects.values_list("id", "lesson_id"):
        steps.setdefault(lesson_id, set()).add(step_id)
    unread = [
        progress.pk
        for progress in LessonProgress.objects.filter(completed_at__isnull=False)
        if not steps.get(progress.lesson_id, set()) <= set(progress.seen_step_ids)
    ]
    LessonProgress.objects.filter(pk__in=unread).update(completed_at=None)


class Migration(migrations.Migration):
    dependencies = [("lessons", "0002_step_explorer_view")]

    operations = [
        migrations.RunPython(uncomplete_lessons_with_unseen_steps, migrations.RunPython.noop)
    ]
