"""The staff page that downloads the SCORM 1.2 package (lms/scorm.py)."""

import io

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from lessons.models import Lesson

from . import scorm

# Exporting reads the course content, so it asks for the right to view lessons.
EXPORT_PERMISSION = "lessons.view_lesson"


class ExportForm(forms.Form):
    lesson = forms.ModelMultipleChoiceField(
        queryset=Lesson.objects.order_by("order"),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Lessons"),
        help_text=_("Leave all unticked to export every lesson."),
        error_messages={"invalid_choice": _("There is no lesson %(value)s.")},
    )


@require_GET
@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def export_page(request: HttpRequest) -> HttpResponse:
    form = ExportForm()
    return render(
        request,
        "lms/scorm_export.html",
        {
            "form": form,
            "show_badges": request.user.has_perm("quiz.revoke_certificate"),
            "show_platforms": settings.LTI_ENABLED
            and request.user.has_perm("lms.change_platform"),
        },
    )


@require_GET
@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def download(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "lms/scorm_export.html", {"form": form}, status=400)
    lessons = list(form.cleaned_data["lesson"]) or scorm.lessons_for()
    if not lessons:
        form.add_error(None, _("There are no lessons to export yet: load the content first."))
        return render(request, "lms/scorm_export.html", {"form": form}, status=400)
    buffer = io.BytesIO()
    scorm.write_package(buffer, lessons)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="sharedresp-scorm12.zip"'
    return response
