"""The answer forms: only choices of the question on screen, only AWS or customer.

A tampered, foreign or non-numeric choice id is an "invalid choice" form error, so a bad
post is re-rendered with a message and nothing is stored.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CLASSIFY_OWNERS, Question

INVALID_CHOICE = _("Choose one of the answers shown.")


class ChoiceAnswerForm(forms.Form):
    """Single choice, true/false (one radio group) and multiple select (checkboxes)."""

    def __init__(self, *args, question: Question, choices, **kwargs):
        super().__init__(*args, **kwargs)
        options = [(choice.pk, choice.text) for choice in choices]
        if question.kind == Question.Kind.MULTIPLE:
            field = forms.TypedMultipleChoiceField(
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "required": _("Choose at least one answer."),
                    "invalid_choice": INVALID_CHOICE,
                },
            )
        else:
            field = forms.TypedChoiceField(
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose an answer."),
                    "invalid_choice": INVALID_CHOICE,
                },
            )
        field.label = _("Your answer")
        field.coerce = int
        field.choices = options
        self.fields["choice"] = field

    def selection(self) -> dict:
        value = self.cleaned_data["choice"]
        return {"choice_ids": value if isinstance(value, list) else [value]}


class ClassifyForm(forms.Form):
    """One radio group per layer: AWS or the customer."""

    def __init__(self, *args, layers: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.layer_slugs = [slug for slug, _name in layers]
        for slug, name in layers:
            self.fields[f"layer-{slug}"] = forms.ChoiceField(
                label=name,
                choices=[(owner.value, owner.label) for owner in CLASSIFY_OWNERS],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose who secures this layer."),
                    "invalid_choice": INVALID_CHOICE,
                },
            )

    def selection(self) -> dict:
        return {
            "placements": {slug: self.cleaned_data[f"layer-{slug}"] for slug in self.layer_slugs}
        }


def answer_form(question: Question, choices, layer_names: dict[str, str], data=None):
    if question.is_classify:
        layers = [(slug, layer_names.get(slug, slug)) for slug in question.classify_layers]
        return ClassifyForm(data, layers=layers)
    return ChoiceAnswerForm(data, question=question, choices=choices)
