from django import forms
from django.utils.translation import gettext_lazy as _

from . import importing
from .models import Cohort
from .status import Status


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = [
            "name",
            "due_date",
            "requires_course",
            "requires_practice_quizzes",
            "requires_exam",
        ]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "name": _("For example, “Sales joiners, March”. Each of your cohorts needs its own."),
            "due_date": _("Members who have not finished by the end of this day are overdue."),
            "requires_course": _("Members must complete every lesson."),
            "requires_practice_quizzes": _(
                "Members must submit each practice quiz at least once; any score counts."
            ),
            "requires_exam": _(
                "Members must pass the exam and hold its certificate: not expired, not revoked."
            ),
        }

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        mine = Cohort.objects.filter(owner=self.owner, name__iexact=name)
        if mine.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("You already have a cohort with this name."))
        return name

    def save(self, commit=True):
        self.instance.owner = self.owner
        return super().save(commit)


class ImportForm(forms.Form):
    cohort = forms.ModelChoiceField(
        label=_("Cohort for rows that name none"),
        queryset=Cohort.objects.none(),
        required=False,
        empty_label=_("None: every row names its cohort"),
    )
    file = forms.FileField(
        label=_("CSV file"),
        error_messages={
            "required": _("Choose a CSV file to upload."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.rows: list[importing.ImportRow] = []

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None or "cohort" not in cleaned:
            return cleaned
        # Never more than the limit in memory, however large the upload.
        data = upload.read(importing.MAX_BYTES + 1)
        self.rows, problems = importing.parse(
            data, self.fields["cohort"].queryset, cleaned["cohort"]
        )
        if problems:
            self.add_error("file", problems)
        return cleaned


SORT_CHOICES = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("status", _("Status, overdue first")),
    ("-status", _("Status, done first")),
    ("lessons", _("Lessons done, fewest first")),
    ("-lessons", _("Lessons done, most first")),
    ("score", _("Best practice score, lowest first")),
    ("-score", _("Best practice score, highest first")),
]


class ReportQueryForm(forms.Form):
    """The report's `?status=` filter and `?sort=` order; anything else is a 400."""

    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Everyone")), *Status.choices],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def clean_sort(self):
        return self.cleaned_data["sort"] or "name"
