"""Every input of the workshop pages: creating and editing, hosting, joining and polling.

Answers go through quiz.forms, so a live answer is checked exactly as a quiz answer is.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from plumbing.codes import UNAMBIGUOUS_ALPHABET
from quiz.models import Incident, Question

from . import names
from .models import (
    DEFAULT_INCIDENT_TIME_LIMIT,
    DEFAULT_TIME_LIMIT,
    HOST_ACTIONS,
    JOIN_CODE_LENGTH,
    ItemKind,
    Workshop,
    WorkshopItem,
)

NAME_ERRORS = {
    "invisible": _(
        "Use visible letters only: this name holds hidden or text-reversing characters."
    ),
    "blank": _("Use at least one letter or digit."),
    "long": _("Use at most %(max)s characters.") % {"max": names.MAX_LENGTH},
}


def clean_display_name(raw: str) -> str:
    try:
        return names.normalise(raw)
    except names.InvalidNameError as error:
        raise ValidationError(NAME_ERRORS[str(error)], code=str(error)) from None


class DescribedRadioSelect(forms.RadioSelect):
    """Radio buttons, each with a sentence under its label."""

    option_template_name = "workshops/includes/described_option.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.descriptions = {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["description"] = self.descriptions.get(value, "")
        return option


class CreateWorkshopForm(forms.Form):
    """Start from a ready-made plan, or from a copy of one of your own workshops."""

    source = forms.ChoiceField(
        label=_("Start from"),
        widget=DescribedRadioSelect,
        error_messages={
            "required": _("Choose a plan to start from."),
            "invalid_choice": _("Choose one of the plans shown."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty to use the plan's title."),
    )

    def __init__(self, *args, plans, workshops, **kwargs):
        super().__init__(*args, **kwargs)
        self.origins = {}
        choices, descriptions = [], {}
        for plan in plans:
            key = f"plan-{plan.pk}"
            self.origins[key] = plan
            choices.append((key, _("%(title)s, %(minutes)s minutes") % vars(plan)))
            descriptions[key] = plan.summary
        for workshop in workshops:
            key = f"copy-{workshop.pk}"
            self.origins[key] = workshop
            choices.append((key, _("A copy of “%(title)s” (%(code)s)") % vars(workshop)))
            created = date_format(localtime(workshop.created_at), "j M Y")
            descriptions[key] = _(
                "Your workshop of %(date)s, with its items as you left them."
            ) % {"date": created}
        self.fields["source"].choices = choices
        self.fields["source"].widget.descriptions = descriptions

    def create(self, host) -> Workshop:
        origin = self.origins[self.cleaned_data["source"]]
        plan = origin.plan if isinstance(origin, Workshop) else origin
        return Workshop.objects.create_from(
            host=host,
            title=self.cleaned_data["title"] or origin.title,
            items=origin.items.all(),
            plan=plan,
        )


class WorkshopTitleForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["title", "ranked"]


class SlideForm(forms.ModelForm):
    class Meta:
        model = WorkshopItem
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True
        self.fields["body"].required = True


class LayerItemForm(forms.ModelForm):
    class Meta:
        model = WorkshopItem
        fields = ["service", "layer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].required = True
        self.fields["layer"].required = True
        self.fields["service"].empty_label = None
        self.fields["layer"].empty_label = None


class QuestionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, question):
        prompt = Truncator(question.prompt).chars(90)
        return f"{question.lesson.title}: {prompt}" if question.lesson else prompt


class QuestionItemForm(forms.ModelForm):
    question = QuestionChoiceField(
        label=_("Question"),
        queryset=Question.objects.for_practice().select_related("lesson"),
        empty_label=None,
    )

    class Meta:
        model = WorkshopItem
        fields = ["question", "time_limit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("time_limit", DEFAULT_TIME_LIMIT)


class IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, incident):
        return f"{incident.service.name}: {incident.title}"


class IncidentItemForm(forms.ModelForm):
    """An incident card ("Who fixes this?") for the room: who acts, and the first action."""

    incident = IncidentChoiceField(
        label=_("Incident card"),
        queryset=Incident.objects.filter(retired=False).select_related("service"),
        empty_label=None,
    )

    class Meta:
        model = WorkshopItem
        fields = ["incident", "time_limit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("time_limit", DEFAULT_INCIDENT_TIME_LIMIT)


ITEM_FORMS = {
    ItemKind.SLIDE: SlideForm,
    ItemKind.LAYER: LayerItemForm,
    ItemKind.QUESTION: QuestionItemForm,
    ItemKind.INCIDENT: IncidentItemForm,
}


class ItemMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Move up")), ("down", _("Move down"))])


class HostActionForm(forms.Form):
    action = forms.ChoiceField(choices=list(HOST_ACTIONS.items()))
    position = forms.IntegerField(min_value=0, required=False)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("New display name"), max_length=100)

    def clean_name(self) -> str:
        return clean_display_name(self.cleaned_data["name"])


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Join code"),
        max_length=20,
        help_text=_("Six letters and digits, shown by the facilitator."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Your display name"),
        max_length=100,
        help_text=_("The facilitator sees it, and so does the room if they show a leaderboard."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).replace("-", "").upper()
        if len(code) != JOIN_CODE_LENGTH or any(c not in UNAMBIGUOUS_ALPHABET for c in code):
            raise ValidationError(
                _("A join code is six letters and digits, like K7PX3M."), code="format"
            )
        self.workshop = Workshop.objects.filter(code=code).first()
        if self.workshop is None:
            raise ValidationError(
                _("No workshop has this code. Check it with the facilitator."), code="unknown"
            )
        if self.workshop.is_ended:
            raise ValidationError(_("This workshop has ended."), code="ended")
        return code

    def clean_name(self) -> str:
        return clean_display_name(self.cleaned_data["name"])


class PollForm(forms.Form):
    """`?v=`: the workshop version the participant's page shows."""

    v = forms.IntegerField(min_value=0, required=False)


class RegionQueryForm(PollForm):
    """A live region of the host's pages asking for itself: `?fragment=` names it (one
    of `regions`), with `?v=` the version or `?mark=` the mark of what it shows now."""

    fragment = forms.ChoiceField(required=False)
    mark = forms.CharField(required=False, max_length=100)

    def __init__(self, data, *, regions):
        super().__init__(data)
        self.fields["fragment"].choices = [("", "")] + [(name, name) for name in regions]
