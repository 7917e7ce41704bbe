from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CompanyOwner, Layer, Owner, Responsibility, Service

# Short labels, in the order the sorting columns stand: AWS, shared, you.
SORT_CHOICES = [(Owner.AWS, _("AWS")), (Owner.SHARED, _("Shared")), (Owner.CUSTOMER, _("You"))]


class SortStackForm(forms.Form):
    """One radio group per layer: who secures it on this service?"""

    def __init__(self, responsibilities, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responsibilities = responsibilities
        for row in responsibilities:
            self.fields[row.layer.slug] = forms.ChoiceField(
                label=row.layer.name,
                choices=SORT_CHOICES,
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
    """The `?layer=`, `?view=` and `?fragment=` parameters of the explorer, checked like
    any input. `fragment` names the part an htmx link asks for: "panel" (a layer's panel,
    with the diagram marking it) or "explorer" (the whole explorer, another service)."""

    layer = forms.SlugField(required=False)
    view = forms.ChoiceField(
        required=False, choices=[("stack", _("Stack")), ("house", _("House"))]
    )
    fragment = forms.ChoiceField(
        required=False, choices=[("panel", _("Layer panel")), ("explorer", _("Explorer"))]
    )


class CompanyOwnerForm(forms.Form):
    """Name the team that owns one of the customer's parts, on one service or on all.

    Only parts the customer secures or shares somewhere can be chosen: AWS's own layers
    have no owner inside the company. Naming the same layer and service again replaces
    the team named before (a plain form, not a ModelForm: the unique constraints would
    refuse what is meant as a change).
    """

    layer = forms.ModelChoiceField(
        label=_("Layer or duty"), queryset=Layer.objects.none(), empty_label=None
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.all(),
        required=False,
        empty_label=_("Every service"),
    )
    team = forms.CharField(
        label=_("Team"),
        max_length=CompanyOwner._meta.get_field("team").max_length,
        help_text=_("For example: Platform team, Security."),
    )
    link = forms.URLField(
        label=_("Contact or runbook (optional)"),
        required=False,
        max_length=CompanyOwner._meta.get_field("link").max_length,
        validators=CompanyOwner._meta.get_field("link").validators,
        assume_scheme="https",
        help_text=_("A page that says how to reach them or what they do."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_parts = set(
            Responsibility.objects.exclude(owner=Owner.AWS).values_list("layer_id", "service_id")
        )
        layer_ids = {layer_id for layer_id, _service_id in self.customer_parts}
        self.fields["layer"].queryset = Layer.objects.filter(pk__in=layer_ids)

    def clean(self):
        cleaned = super().clean()
        layer, service = cleaned.get("layer"), cleaned.get("service")
        if layer and service and (layer.pk, service.pk) not in self.customer_parts:
            self.add_error(
                "service",
                _("AWS secures %(layer)s on %(service)s: no one in your company owns it there.")
                % {"layer": layer.name, "service": service.name},
            )
        return cleaned

    def save(self) -> CompanyOwner:
        # update_or_create locks the row it finds, and on a race the unique constraints
        # let one insert through and the other finds it: one row per part either way.
        owner, _created = CompanyOwner.objects.update_or_create(
            layer=self.cleaned_data["layer"],
            service=self.cleaned_data["service"],
            defaults={"team": self.cleaned_data["team"], "link": self.cleaned_data["link"]},
        )
        return owner
