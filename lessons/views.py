from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from . import caching, extensions, progress
from .explorer import build_stack, same_layer_elsewhere, service_links
from .forms import SORT_CHOICES, CompanyOwnerForm, LayerQueryForm, SortStackForm
from .models import CompanyOwner, Lesson, Service, Step


def course(request: HttpRequest) -> HttpResponse:
    overview = progress.course_overview(request)
    return render(request, "lessons/course.html", {"overview": overview})


def lesson(request: HttpRequest, lesson_slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=lesson_slug)
    steps = list(lesson.steps.all())
    state = progress.for_request(request).states().get(lesson.pk, progress.LessonState())
    row = progress.LessonRow(lesson, state, {step.pk: step.slug for step in steps})
    context = {
        "lesson": lesson,
        "steps": steps,
        "row": row,
        "follow_up": extensions.follow_ups(request.user, [lesson]).get(lesson.pk),
    }
    return render(request, "lessons/lesson.html", context)


def _step_ids(version: int) -> dict[tuple[str, str], tuple[int, int, bool, bool]]:
    """(lesson slug, step slug) to (step id, lesson id, has an explorer, is the lesson's
    last step), without a query."""

    def build():
        rows = list(
            Step.objects.order_by("lesson_id", "order").values_list(
                "id", "lesson_id", "lesson__slug", "slug", "explorer_service_id"
            )
        )
        last = {lesson_id: step_id for step_id, lesson_id, *_rest in rows}
        return {
            (lesson_slug, step_slug): (
                step_id,
                lesson_id,
                service_id is not None,
                last[lesson_id] == step_id,
            )
            for step_id, lesson_id, lesson_slug, step_slug, service_id in rows
        }

    return caching.content_memo("step-ids", version, build)


def _fragment(request: HttpRequest, query: LayerQueryForm) -> str:
    """The part of the page an htmx link asks for (`?fragment=`), or "" for the page."""
    if not request.htmx or request.htmx.history_restore_request:
        return ""
    return query.cleaned_data["fragment"]


@vary_on_headers("HX-Request")
def step(request: HttpRequest, lesson_slug: str, step_slug: str) -> HttpResponse:
    ids = _step_ids(caching.version_for(request)).get((lesson_slug, step_slug))
    if ids is None:
        raise Http404
    query = LayerQueryForm(request.GET)
    if not query.is_valid():
        raise BadRequest
    step_id, lesson_id, has_explorer, is_last = ids
    if has_explorer and _fragment(request, query) == "panel":
        # The explorer's panel inside the step: content only, the same for everyone.
        return caching.cached_page(
            request,
            lambda extra: _step_page(request, lesson_slug, step_slug, query, extra),
            per_viewer=False,
        )
    # What the page shows of this visitor is worked out here and is part of the cache key.
    state = progress.for_request(request).record_step_view(Step(pk=step_id, lesson_id=lesson_id))
    extra = {"state": state}
    if is_last:
        lesson = Lesson.objects.get(pk=lesson_id)
        extra["follow_up"] = extensions.follow_ups(request.user, [lesson]).get(lesson_id)
    return caching.cached_page(
        request,
        lambda placeholder: _step_page(
            request, lesson_slug, step_slug, query, {**placeholder, **extra}
        ),
        vary=(state.completed, extra.get("follow_up")),
    )


def _step_page(request, lesson_slug, step_slug, query, extra) -> HttpResponse:
    """The step page, or with no "state" in `extra` its explorer panel alone."""
    lesson = get_object_or_404(Lesson, slug=lesson_slug)
    steps = list(lesson.steps.select_related("explorer_service", "explorer_layer"))
    current = next((s for s in steps if s.slug == step_slug), None)
    if current is None:
        raise Http404
    position = steps.index(current)
    context = {
        "lesson": lesson,
        "step": current,
        "steps": steps,
        "position": position + 1,
        "previous_step": steps[position - 1] if position else None,
        "next_step": steps[position + 1] if position + 1 < len(steps) else None,
        **extra,
    }
    if current.explorer_service:
        open_slug = query.cleaned_data["layer"] or current.explorer_layer.slug
        stack = build_stack(
            current.explorer_service, open_slug, lambda slug: f"{request.path}?layer={slug}"
        )
        if stack.open_row is None:
            raise Http404
        context["stack"] = stack
        context["view"] = current.explorer_view
        if "state" not in extra:
            return render(request, "lessons/explorer.html#layer-open", context)
    return render(request, "lessons/step.html", context)


@require_POST
def complete(request: HttpRequest, lesson_slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=lesson_slug)
    unseen = progress.for_request(request).mark_complete(lesson)
    if unseen:
        messages.error(
            request,
            ngettext(
                "One step of this lesson is still unread: %(title)s. Read it, then mark the "
                "lesson complete.",
                "%(count)d steps of this lesson are still unread. Read them, then mark the "
                "lesson complete. Here is the first.",
                len(unseen),
            )
            % {"count": len(unseen), "title": unseen[0].title},
        )
        return redirect(unseen[0])
    messages.success(request, _("Lesson complete: %(title)s.") % {"title": lesson.title})
    # The loop: a lesson, then its practice quiz, then the next lesson.
    follow_up = extensions.follow_ups(request.user, [lesson]).get(lesson.pk)
    if follow_up and not follow_up.done:
        return redirect(follow_up.url)
    following = Lesson.objects.filter(order__gt=lesson.order).first()
    return redirect(following or "lessons:course")


def explorer_start(request: HttpRequest) -> HttpResponse:
    first = Service.objects.first()
    if first is None:
        raise Http404
    return redirect("lessons:explorer", first.slug)


@vary_on_headers("HX-Request")
def explorer(
    request: HttpRequest, service_slug: str, layer_slug: str | None = None
) -> HttpResponse:
    query = LayerQueryForm(request.GET)
    if not query.is_valid():
        raise BadRequest
    fragment = _fragment(request, query)
    return caching.cached_page(
        request,
        lambda extra: _explorer_page(request, service_slug, layer_slug, query, fragment, extra),
        per_viewer=not fragment,
    )


def _explorer_page(request, service_slug, layer_slug, query, fragment: str, extra) -> HttpResponse:
    service = get_object_or_404(Service, slug=service_slug)
    view = query.cleaned_data["view"] or "stack"
    suffix = "?view=house" if view == "house" else ""

    def layer_url(slug):
        return reverse("lessons:explorer_layer", args=[service.slug, slug]) + suffix

    stack = build_stack(service, layer_slug, layer_url)
    if layer_slug and stack.open_row is None:
        raise Http404
    compare = same_layer_elsewhere(stack.open_row) if stack.open_row else []
    context = {
        "stack": stack,
        "service_links": service_links(Service.objects.all(), stack, compare, suffix),
        "stack_url": reverse("lessons:explorer", args=[service.slug]),
        "house_url": reverse("lessons:explorer", args=[service.slug]) + "?view=house",
        "view": view,
        "compare": compare,
        "standalone": True,
        **extra,
    }
    if fragment:
        partial = "layer-open" if fragment == "panel" else "explorer"
        return render(request, f"lessons/explorer.html#{partial}", context)
    return render(request, "lessons/explorer.html", context)


def sort_stack(request: HttpRequest, service_slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=service_slug)
    stack = build_stack(service, None, str, company_owners=False)
    form = SortStackForm(stack.rows, request.POST or None)
    context = {"service": service, "form": form, "stack": stack, "zones": SORT_CHOICES}
    if request.method == "POST" and form.is_valid():
        marked = form.marked()
        correct = sum(is_right for _row, _answer, is_right in marked)
        answers = {row.layer.slug: answer.value for row, answer, _ in marked}
        progress.for_request(request).record_sort_result(service, answers, correct, len(marked))
        context.update(marked=marked, correct=correct, total=len(marked))
    else:
        context["previous"] = progress.for_request(request).last_sort_result(service)
    return render(request, "lessons/sort.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("lessons.set_company_owners", raise_exception=True)
def company_owners(request: HttpRequest) -> HttpResponse:
    """The company's own owners of the customer's parts, shown on the diagrams."""
    form = CompanyOwnerForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        owner = form.save()
        messages.success(
            request,
            _("%(team)s now owns %(layer)s on %(where)s.")
            % {
                "team": owner.team,
                "layer": owner.layer.name,
                "where": owner.service.name if owner.service else _("every service"),
            },
        )
        return redirect("lessons:company_owners")
    owners = CompanyOwner.objects.select_related("layer", "service")
    return render(request, "lessons/company_owners.html", {"form": form, "owners": owners})


@require_POST
@login_required
@permission_required("lessons.set_company_owners", raise_exception=True)
def remove_company_owner(request: HttpRequest, owner_id: int) -> HttpResponse:
    owner = get_object_or_404(CompanyOwner.objects.select_related("layer"), pk=owner_id)
    owner.delete()
    messages.success(
        request,
        _("%(team)s no longer shows on %(layer)s.")
        % {"team": owner.team, "layer": owner.layer.name},
    )
    return redirect("lessons:company_owners")
