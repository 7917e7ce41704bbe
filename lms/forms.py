from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from lessons.models import Lesson
from quiz.models import Quiz

from .models import Platform


def https_by_default(model_field, **kwargs):
    """An address typed without a scheme is taken as https, as Django 6 will."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class PlatformForm(forms.ModelForm):
    class Meta:
        formfield_callback = https_by_default
        model = Platform
        fields = [
            "name",
            "issuer",
            "client_id",
            "deployment_ids",
            "auth_login_url",
            "access_token_url",
            "jwks_url",
            "trust_email",
        ]
        widgets = {"deployment_ids": forms.Textarea(attrs={"rows": 3})}

    def clean_deployment_ids(self):
        lines = self.cleaned_data["deployment_ids"].splitlines()
        return "\n".join(line.strip() for line in lines if line.strip())


def content_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """What a teacher can add to a course: each lesson, each practice quiz, the exam(s)."""
    quizzes = list(Quiz.objects.available().order_by("title"))
    return [
        (_("Lessons"), [(f"lesson:{x.slug}", x.title) for x in Lesson.objects.order_by("order")]),
        (_("Practice quizzes"), [(f"quiz:{q.slug}", q.title) for q in quizzes if not q.is_exam]),
        (_("Exam"), [(f"quiz:{q.slug}", q.title) for q in quizzes if q.is_exam]),
    ]


class DeepLinkForm(forms.Form):
    target = forms.ChoiceField(label=_("What to add to your course"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = content_choices()
