"""Every input of the quiz app: answers, certificate codes, a revocation's reason.

Answers: only choices of the question on screen, only AWS or customer. A tampered,
foreign or non-numeric choice id is an "invalid choice" form error, so a bad post is
re-rendered with a message and nothing is stored.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from plumbing.codes import UNAMBIGUOUS_ALPHABET

from .models import CLASSIFY_OWNERS, CODE_GROUP_LENGTH, CODE_GROUPS, Question

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


def is_tampered(form: forms.Form) -> bool:
    """The post holds a value no control on the page offers: only a forged request does."""
    return any(
        error.code == "invalid_choice"
        for errors in form.errors.as_data().values()
        for error in errors
    )


class CertificateCodeForm(forms.Form):
    """A certificate code as people type it: any case, spaces or dashes anywhere."""

    code = forms.CharField(
        label=_("Certificate code"),
        max_length=40,
        help_text=_("Twelve letters and digits, as printed on the certificate: ABCD-EFGH-JKMN."),
        error_messages={"required": _("Enter the code printed on the certificate.")},
    )

    def clean_code(self) -> str:
        """The code in its one canonical spelling, XXXX-XXXX-XXXX in capitals."""
        letters = "".join(self.cleaned_data["code"].upper().split()).replace("-", "")
        wrong_letters = set(letters) - set(UNAMBIGUOUS_ALPHABET)
        if len(letters) != CODE_GROUPS * CODE_GROUP_LENGTH or wrong_letters:
            raise ValidationError(
                _("That is not a certificate code: it has twelve letters and digits."),
                code="invalid",
            )
        return "-".join(
            letters[start : start + CODE_GROUP_LENGTH]
            for start in range(0, len(letters), CODE_GROUP_LENGTH)
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept with the certificate's record; it is not shown on the public page."),
        error_messages={"required": _("Say why the certificate is revoked.")},
    )


class IncidentForm(forms.Form):
    """An incident card's two answers: who acts, and the first action (one of its own)."""

    who = forms.ChoiceField(
        label=_("Who acts?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who acts."),
            "invalid_choice": INVALID_CHOICE,
        },
    )
    action = forms.TypedChoiceField(
        label=_("What is the first action?"),
        widget=forms.RadioSelect,
        coerce=int,
        error_messages={
            "required": _("Choose the first action."),
            "invalid_choice": INVALID_CHOICE,
        },
    )

    def __init__(self, *args, who_choices, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = {action.pk: action for action in actions}
        self.fields["who"].choices = who_choices
        self.fields["action"].choices = [(action.pk, action.text) for action in actions]

    @property
    def chosen_action(self):
        return self.actions[self.cleaned_data["action"]]

    def selection(self) -> dict:
        """The answer in the terms a live room stores it (workshops Participant.answer)."""
        return {"who": self.cleaned_data["who"], "action": self.chosen_action}
