from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from plumbing.spreadsheet import csv_response
from quiz.models import Misconception

from . import importing, report, tasks
from .forms import CohortForm, ImportForm, ReportQueryForm
from .models import Cohort, can_manage_cohorts


def get_cohort_for(user, slug: str) -> Cohort:
    """The cohort at `slug` if `user` may see it, else 404: another manager's cohort
    is not theirs to know about. Callers check `can_manage_cohorts` first."""
    return get_object_or_404(Cohort.objects.visible_to(user).select_related("owner"), slug=slug)


def manager_required(view):
    """Log in first; then only managers and staff get past (403 for everyone else)."""

    @wraps(view)
    @login_required
    def checked(request, *args, **kwargs):
        if not can_manage_cohorts(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


@require_GET
@manager_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    cohorts = Cohort.objects.visible_to(request.user).with_member_counts().select_related("owner")
    return render(request, "cohorts/list.html", {"cohorts": cohorts})


@require_http_methods(["GET", "POST"])
@manager_required
def cohort_create(request: HttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        cohort = _save(form)
        if cohort:
            messages.success(request, _("Cohort created. Now import its members."))
            return redirect("cohorts:import_into", cohort.slug)
    return render(request, "cohorts/cohort_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@manager_required
def cohort_edit(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug)
    form = CohortForm(request.POST or None, instance=cohort, owner=cohort.owner)
    if request.method == "POST" and form.is_valid() and _save(form):
        messages.success(request, _("Cohort saved."))
        return redirect(cohort)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": cohort})


def _save(form: CohortForm) -> Cohort | None:
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        # The same name saved by a second request in the same moment.
        form.add_error("name", _("You already have a cohort with this name."))
        return None


@require_GET
@manager_required
@vary_on_headers("HX-Request")
def cohort_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug)
    query = ReportQueryForm(request.GET)
    if not query.is_valid():
        raise BadRequest
    today = report.today()
    cohort_report = report.cohort_report(cohort, today)
    status, sort = query.cleaned_data["status"], query.cleaned_data["sort"]
    context = {
        "cohort": cohort,
        "today": today,
        "report": cohort_report,
        "rows": cohort_report.select(status=status, sort=sort),
        "query": query,
        "status": status,
        "sort": sort,
    }
    template = "cohorts/detail.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#members"
    else:
        # What the members get wrong, for the full page only: the htmx swap is the table.
        members = cohort.memberships.values("user_id")
        context["misconceptions"] = Misconception.objects.top_among(members)
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@manager_required
def import_members(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug) if slug else None
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        cohorts=Cohort.objects.visible_to(request.user),
        initial={"cohort": cohort},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = importing.apply(
                form.rows, invited_by=request.user, base_url=request.build_absolute_uri("/")
            )
        except importing.ImportConflictError:
            form.add_error(
                None,
                _(
                    "Some of these people were added by someone else at the same moment, "
                    "so nothing was imported. Upload the file again."
                ),
            )
        else:
            messages.success(request, result.summary())
            if len(result.cohorts) == 1:
                return redirect(result.cohorts.pop())
            return redirect("cohorts:list")
    context = {"form": form, "cohort": cohort, "columns": importing.REQUIRED_COLUMNS}
    return render(request, "cohorts/import.html", context)


@require_GET
@manager_required
@never_cache  # personal data: no copy kept in a browser or proxy cache
def export_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    cohort = get_cohort_for(request.user, slug)
    on = report.today()
    return csv_response(
        report.export_rows(cohort, on), f"{cohort.slug}-report-{on.isoformat()}.csv"
    )


@require_POST
@manager_required
def remove_member(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    cohort = get_cohort_for(request.user, slug)
    membership = get_object_or_404(cohort.memberships.select_related("user"), pk=membership_id)
    membership.delete()
    messages.success(
        request,
        _("%(name)s is no longer in this cohort. Their progress is kept.")
        % {"name": membership.user.name},
    )
    return redirect(cohort)


@require_POST
@manager_required
def send_link(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Email a member who has no password yet a new link to set one.

    Django's "Forgotten your password?" ignores accounts without a password, and the
    first link expires, so this is how an imported member gets another.
    """
    cohort = get_cohort_for(request.user, slug)
    user = get_object_or_404(cohort.memberships.select_related("user"), pk=membership_id).user
    if user.has_usable_password():
        messages.info(request, _("%(name)s has already chosen a password.") % {"name": user.name})
        return redirect(cohort)
    tasks.enqueue_import_emails(
        {user.pk: ("welcome", [cohort.pk])},
        inviter_id=request.user.pk,
        base_url=request.build_absolute_uri("/"),
    )
    messages.success(
        request, _("A new set-password link is on its way to %(email)s.") % {"email": user.email}
    )
    return redirect(cohort)
