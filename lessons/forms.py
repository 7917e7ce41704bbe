from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Owner


class SortStackForm(forms.Form):
    """One radio group per layer: who secures it on this service?"""

    def __init__(self, responsibilities, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responsibilities = responsibilities
        for row in responsibilities:
            self.fields[row.layer.slug] = forms.ChoiceField(
                label=row.layer.name,
                choices=Owner.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose who secures this layer.")},
            )

    def marked(self) -> list[tuple]:
        """Each layer with the learner's answer and whether it was right."""
        return [
            (
                row,
                Owner(self.cleaned_data[row.layer.slug]),
                self.cleaned_data[row.layer.slug] == row.owner,
            )
            for row in self.responsibilities
        ]


class LayerQueryForm(forms.Form):
    """The `?layer=` and `?view=` parameters of the explorer, checked like any input."""

    layer = forms.SlugField(required=False)
    view = forms.ChoiceField(
        required=False, choices=[("stack", _("Stack")), ("house", _("House"))]
    )
