from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from . import progress
from .explorer import build_stack, same_layer_elsewhere
from .forms import LayerQueryForm, SortStackForm
from .models import Lesson, Service


def course(request: HttpRequest) -> HttpResponse:
    overview = progress.course_overview(request)
    return render(request, "lessons/course.html", {"overview": overview})


def lesson(request: HttpRequest, lesson_slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=lesson_slug)
    steps = list(lesson.steps.all())
    state = progress.states_for(request).get(lesson.pk, progress.LessonState())
    row = progress.LessonRow(lesson, state, {step.pk: step.slug for step in steps})
    return render(
        request,
        "lessons/lesson.html",
        {"lesson": lesson, "steps": steps, "row": row},
    )


@vary_on_headers("HX-Request", "HX-Target")
def step(request: HttpRequest, lesson_slug: str, step_slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=lesson_slug)
    steps = list(lesson.steps.select_related("explorer_service", "explorer_layer"))
    current = next((s for s in steps if s.slug == step_slug), None)
    if current is None:
        raise Http404
    query = LayerQueryForm(request.GET)
    if not query.is_valid():
        return render(request, "400.html", status=400)
    position = steps.index(current)
    context = {
        "lesson": lesson,
        "step": current,
        "steps": steps,
        "position": position + 1,
        "previous_step": steps[position - 1] if position else None,
        "next_step": steps[position + 1] if position + 1 < len(steps) else None,
    }
    if current.explorer_service:
        open_slug = query.cleaned_data["layer"] or current.explorer_layer.slug
        stack = build_stack(
            current.explorer_service, open_slug, lambda slug: f"{request.path}?layer={slug}"
        )
        if stack.open_row is None:
            raise Http404
        context["stack"] = stack
        if request.htmx and not request.htmx.history_restore_request:
            return render(request, "lessons/explorer.html#layer-panel", context)
    context["state"] = progress.record_step_view(request, current)
    return render(request, "lessons/step.html", context)


@require_POST
def complete(request: HttpRequest, lesson_slug: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, slug=lesson_slug)
    progress.mark_complete(request, lesson)
    messages.success(request, _("Lesson complete: %(title)s.") % {"title": lesson.title})
    following = Lesson.objects.filter(order__gt=lesson.order).first()
    return redirect(following or "lessons:course")


def explorer_start(request: HttpRequest) -> HttpResponse:
    first = Service.objects.first()
    if first is None:
        raise Http404
    return redirect("lessons:explorer", first.slug)


@vary_on_headers("HX-Request", "HX-Target")
def explorer(
    request: HttpRequest, service_slug: str, layer_slug: str | None = None
) -> HttpResponse:
    service = get_object_or_404(Service, slug=service_slug)
    query = LayerQueryForm(request.GET)
    if not query.is_valid():
        return render(request, "400.html", status=400)
    view = query.cleaned_data["view"] or "stack"
    suffix = "?view=house" if view == "house" else ""

    def layer_url(slug):
        return reverse("lessons:explorer_layer", args=[service.slug, slug]) + suffix

    stack = build_stack(service, layer_slug, layer_url)
    if layer_slug and stack.open_row is None:
        raise Http404
    context = {
        "stack": stack,
        "services": Service.objects.all(),
        "view": view,
        "compare": same_layer_elsewhere(stack.open_row) if stack.open_row else [],
        "standalone": True,
    }
    if request.htmx and not request.htmx.history_restore_request:
        partial = "layer-panel" if request.htmx.target == "layer-panel" else "explorer"
        return render(request, f"lessons/explorer.html#{partial}", context)
    return render(request, "lessons/explorer.html", context)


def sort_stack(request: HttpRequest, service_slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=service_slug)
    stack = build_stack(service, None, str)
    form = SortStackForm(stack.rows, request.POST or None)
    context = {"service": service, "form": form, "stack": stack}
    if request.method == "POST" and form.is_valid():
        marked = form.marked()
        correct = sum(is_right for _row, _answer, is_right in marked)
        answers = {row.layer.slug: answer.value for row, answer, _ in marked}
        progress.record_sort_result(request, service, answers, correct, len(marked))
        context.update(marked=marked, correct=correct, total=len(marked))
    else:
        context["previous"] = progress.last_sort_result(request, service)
    return render(request, "lessons/sort.html", context)
