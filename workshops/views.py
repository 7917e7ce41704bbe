import csv
import hashlib
from functools import wraps

import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling
from qrcode.image.svg import SvgPathImage

from lessons.explorer import build_stack
from lessons.models import Owner
from quiz.forms import answer_form
from quiz.models import ReviewItem, classify_keys, layer_names

from .forms import (
    ITEM_FORMS,
    CreateWorkshopForm,
    HostActionForm,
    ItemMoveForm,
    JoinForm,
    PollForm,
    WorkshopTitleForm,
)
from .models import (
    ActionNotAllowedError,
    AnsweringClosedError,
    ItemKind,
    LiveAnswer,
    NameTakenError,
    Participant,
    Plan,
    Workshop,
    WorkshopItem,
    answer_signature,
    get_item_for_host,
    get_workshop_for_host,
    tally,
)

PARTICIPANT_COOKIE = "participant"
PARTICIPANT_COOKIE_AGE = 60 * 60 * 24 * 30
SHARED_FRAGMENT_SECONDS = 10 * 60


def facilitator_required(view):
    @wraps(view)
    @login_required
    def check_role(request, *args, **kwargs):
        if not request.user.is_facilitator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check_role


def bad_request(request: HttpRequest) -> HttpResponse:
    return render(request, "400.html", status=400)


# Facilitator: list, create, edit ---------------------------------------------------


@require_http_methods(["GET", "POST"])
@facilitator_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    workshops = list(Workshop.objects.hosted_by(request.user))
    form = CreateWorkshopForm(request.POST or None, plans=Plan.objects.all(), workshops=workshops)
    if request.method == "POST" and form.is_valid():
        workshop = form.create(request.user)
        messages.success(
            request,
            _("Workshop created. Its join code is %(code)s. Check its items, then start it.")
            % {"code": workshop.code},
        )
        return redirect(workshop)
    return render(request, "workshops/list.html", {"form": form, "workshops": workshops})


def _detail_page(request, workshop, *, status=200, **forms) -> HttpResponse:
    context = {
        "workshop": workshop,
        "items": workshop.items.select_related("service", "layer", "question"),
        "title_form": forms.get("title_form") or WorkshopTitleForm(instance=workshop),
        "add_forms": [
            (kind, label, forms.get(kind) or ITEM_FORMS[kind](prefix=kind))
            for kind, label in [
                (ItemKind.SLIDE, _("Add a text slide")),
                (ItemKind.LAYER, _("Add a layer of the explorer")),
                (ItemKind.QUESTION, _("Add a question from the bank")),
            ]
        ],
    }
    return render(request, "workshops/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@facilitator_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    """The workshop's plan: its items in order, to change before the start."""
    workshop = get_workshop_for_host(request.user, code)
    if request.method == "POST":
        form = WorkshopTitleForm(request.POST, instance=workshop)
        if not form.is_valid():
            return _detail_page(request, workshop, title_form=form)
        form.save()
        messages.success(request, _("Title saved."))
        return redirect(workshop)
    return _detail_page(request, workshop)


@require_POST
@facilitator_required
def add_item(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    if kind not in ITEM_FORMS:
        raise Http404
    form = ITEM_FORMS[kind](request.POST, prefix=kind, instance=WorkshopItem(kind=kind))
    if not form.is_valid():
        return _detail_page(request, workshop, **{kind: form})
    try:
        workshop.add_item(form.instance)
    except ActionNotAllowedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Item added at the end."))
    return redirect(workshop)


@require_http_methods(["GET", "POST"])
@facilitator_required
def edit_item(request: HttpRequest, code: str, item_id: int) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    item = get_item_for_host(workshop, item_id)
    form = ITEM_FORMS[item.kind](request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            workshop.update_item(form.instance)
        except ActionNotAllowedError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Item saved."))
        return redirect(workshop)
    return render(
        request, "workshops/edit_item.html", {"workshop": workshop, "item": item, "form": form}
    )


@require_POST
@facilitator_required
def move_item(request: HttpRequest, code: str, item_id: int) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    item = get_item_for_host(workshop, item_id)
    form = ItemMoveForm(request.POST)
    if not form.is_valid():
        return bad_request(request)
    try:
        workshop.move_item(item, up=form.cleaned_data["direction"] == "up")
    except ActionNotAllowedError as error:
        messages.error(request, str(error))
    return redirect(workshop)


@require_POST
@facilitator_required
def remove_item(request: HttpRequest, code: str, item_id: int) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    item = get_item_for_host(workshop, item_id)
    try:
        workshop.remove_item(item)
    except ActionNotAllowedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Item removed: %(item)s") % {"item": item.heading})
    return redirect(workshop)


# Facilitator: host console, results ------------------------------------------------


def _console_context(request, workshop, notice="") -> dict:
    """Everything on the console; a bounded number of queries, whatever the room's size."""
    items = list(workshop.items.select_related("service", "layer", "question__step__lesson"))
    current = next((i for i in items if i.position == workshop.current_position), None)
    context = {
        "workshop": workshop,
        "items": items,
        "current": current,
        "number": items.index(current) + 1 if current else 0,
        "is_last": current is not None and current is items[-1],
        "joined": workshop.participant_count(),
        "tally": tally([current]).get(current.pk) if current else None,
        "leaderboard": workshop.leaderboard() if workshop.show_leaderboard else None,
        "join_address": request.build_absolute_uri(workshop.join_url),
        "notice": notice,
    }
    if current and current.is_layer:
        context["stack"] = _stack_for(current)
    return context


def _stack_for(item: WorkshopItem):
    service = item.service

    def explorer_url(layer_slug):
        return reverse("lessons:explorer_layer", args=[service.slug, layer_slug])

    return build_stack(service, item.layer.slug, explorer_url)


@require_GET
@facilitator_required
@never_cache
@vary_on_headers("HX-Request", "HX-Target")
def console(request: HttpRequest, code: str) -> HttpResponse:
    """The projector page. Its live panel polls this view for counts and the histogram."""
    workshop = get_workshop_for_host(request.user, code)
    context = _console_context(request, workshop)
    if request.htmx and not request.htmx.history_restore_request:
        partial = "host-live" if request.htmx.target == "host-live" else "console"
        return render(request, f"workshops/console.html#{partial}", context)
    return render(request, "workshops/console.html", context)


@require_POST
@facilitator_required
def control(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    form = HostActionForm(request.POST)
    if not form.is_valid():
        return bad_request(request)
    notice = ""
    try:
        workshop.control(form.cleaned_data["action"])
    except ActionNotAllowedError as error:
        notice = str(error)
    if request.htmx:
        context = _console_context(request, workshop, notice)
        return render(request, "workshops/console.html#console", context)
    if notice:
        messages.error(request, notice)
    return redirect(workshop.console_url)


@require_GET
@facilitator_required
def results(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    items = list(workshop.items.filter(kind=ItemKind.QUESTION).select_related("question__lesson"))
    tallies = tally(items)
    context = {
        "workshop": workshop,
        "rows": [(item, tallies[item.pk]) for item in items],
        "participants": workshop.participants.with_scores().order_by("-points", "name"),
    }
    return render(request, "workshops/results.html", context)


def _csv_safe(text: str) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: a name can't."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


@require_GET
@facilitator_required
def export(request: HttpRequest, code: str) -> StreamingHttpResponse:
    """One row per participant and question asked; streamed, so memory stays flat."""
    workshop = get_workshop_for_host(request.user, code)
    items = list(
        workshop.items.filter(kind=ItemKind.QUESTION, opened_at__isnull=False).select_related(
            "question"
        )
    )
    answers = {
        (answer.participant_id, answer.item_id): answer
        for answer in LiveAnswer.objects.filter(item__in=items).prefetch_related("choices")
    }
    names = layer_names([item.question for item in items])
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            ["workshop", "participant", "signed_in", "item", "question", "answer", "score"]
        )
        for participant in workshop.participants.order_by("joined_at", "pk").iterator():
            for item in items:
                answer = answers.get((participant.pk, item.pk))
                yield writer.writerow(
                    [
                        workshop.code,
                        _csv_safe(participant.name),
                        "yes" if participant.user_id else "no",
                        item.position,
                        item.question.slug,
                        _csv_safe(_answer_text(answer, names)) if answer else "",
                        f"{answer.score:.3f}" if answer else "",
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workshop-{workshop.code}.csv"'
    return response


def _answer_text(answer, names) -> str:
    if answer.placements:
        return "; ".join(
            f"{names.get(slug, slug)}: {Owner(owner).label}"
            for slug, owner in answer.placements.items()
        )
    return "; ".join(choice.text for choice in answer.choices.all())


# Participants ----------------------------------------------------------------------


def _cookie_salt(code: str) -> str:
    # Bound to the code: a cookie from one workshop is worthless in another.
    return f"workshops.participant.{code}"


def _participant_id(request: HttpRequest, code: str) -> int | None:
    value = request.get_signed_cookie(PARTICIPANT_COOKIE, default=None, salt=_cookie_salt(code))
    return int(value) if value and value.isdigit() else None


def _participant_for(request: HttpRequest, workshop: Workshop) -> Participant | None:
    participant_id = _participant_id(request, workshop.code)
    if participant_id is None:
        return None
    return workshop.participants.filter(pk=participant_id).first()


def _remember(response: HttpResponse, participant: Participant) -> HttpResponse:
    response.set_signed_cookie(
        PARTICIPANT_COOKIE,
        str(participant.pk),
        salt=_cookie_salt(participant.workshop.code),
        max_age=PARTICIPANT_COOKIE_AGE,
        path=participant.workshop.join_url,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Code and display name; no account needed. A logged-in person is linked to it."""
    user = request.user if request.user.is_authenticated else None
    initial = {"name": user.get_short_name()} if user else {}
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            participant = form.workshop.join(form.cleaned_data["name"], user)
        except NameTakenError:
            form.add_error(
                "name", _("Someone in this workshop already uses this name. Add an initial.")
            )
        else:
            return _remember(redirect(form.workshop.join_url), participant)
    return render(request, "workshops/join.html", {"form": form})


def _announcement(workshop: Workshop, item: WorkshopItem | None) -> str:
    if workshop.is_ended:
        return _("The workshop has ended.")
    if item is None:
        return _("Waiting for the facilitator to start.")
    if item.is_question:
        return {
            WorkshopItem.Phase.READY: _("New question. Answering opens soon."),
            WorkshopItem.Phase.OPEN: _("Answering is open."),
            WorkshopItem.Phase.CLOSED: _("Answering has closed."),
            WorkshopItem.Phase.REVEALED: _("The answer is revealed."),
        }[item.phase]
    return _("Now showing: %(heading)s") % {"heading": item.heading}


def _live_context(workshop, participant, *, form=None, just_answered=False, notice="") -> dict:
    """What a participant sees now; a handful of queries, whatever the room's size."""
    item = workshop.current_item() if workshop.is_running else None
    context = {
        "workshop": workshop,
        "participant": participant,
        "item": item,
        "announcement": _announcement(workshop, item),
        "just_answered": just_answered,
        "notice": notice,
    }
    if workshop.is_ended:
        context["record"] = workshop.participants.with_scores().get(pk=participant.pk)
    elif item and item.is_layer:
        context["stack"] = _stack_for(item)
    elif item and item.is_question:
        question = item.question
        choices = item.choices_in_order()
        names = layer_names([question])
        answer = participant.answer_to(item)
        context.update(question=question, answer=answer)
        if answer:
            context["answer_text"] = _answer_text(answer, names)
        if item.is_open and answer is None:
            context["form"] = form or answer_form(question, choices, names)
        if item.is_revealed:
            context["feedback"] = ReviewItem(
                position=item.position,
                question=question,
                choices=choices,
                answer=answer,
                classify_key=classify_keys([question]).get(question.pk, {}),
                layer_names=names,
            )
    return context


@require_GET
@never_cache
def participate(request: HttpRequest, code: str) -> HttpResponse:
    """The participant's page (the QR code's address), or the join form for newcomers."""
    if code != code.upper():
        return redirect("workshops:participate", code.upper())
    workshop = get_object_or_404(Workshop, code=code)
    participant = _participant_for(request, workshop)
    if participant is None:
        user = request.user if request.user.is_authenticated else None
        initial = {"code": workshop.code, "name": user.get_short_name() if user else ""}
        context = {"form": JoinForm(initial=initial), "workshop": workshop}
        return render(request, "workshops/join.html", context)
    return render(request, "workshops/participate.html", _live_context(workshop, participant))


@require_GET
@never_cache
def state(request: HttpRequest, code: str) -> HttpResponse:
    """The participant page's poll: 204 while the version is unchanged, one indexed read."""
    query = PollForm(request.GET)
    if not query.is_valid():
        return bad_request(request)
    participant_id = _participant_id(request, code)
    if participant_id is None:
        raise PermissionDenied
    workshop = get_object_or_404(Workshop, code=code)
    if workshop.version == query.cleaned_data["v"]:
        return HttpResponse(status=204)
    if workshop.is_ended:
        participant = workshop.participants.filter(pk=participant_id).first()
        if participant is None:
            raise PermissionDenied
        context = _live_context(workshop, participant) | {"focus_heading": True}
        return HttpResponseStopPolling(_live_update(request, context))
    html = _shared_live(request, workshop, participant_id)
    if html is None:
        raise PermissionDenied
    return HttpResponse(html)


def _live_update(request, context) -> str:
    return render_to_string("workshops/participate.html#live-update", context, request=request)


def _shared_live(request, workshop, participant_id, participant=None, *, just_answered=False):
    """The participant's live fragment, or None if they are not in this workshop.

    A host action sends the whole room to the poll at once, and a question's answers
    come in a burst. Everyone whose own answer is the same sees the same fragment, so
    each process renders it once per version, not once per phone. The cookie is signed
    for this code, so the id is one this workshop issued.
    """
    own = hashlib.sha256(answer_signature(participant_id, workshop).encode()).hexdigest()
    key = f"workshops:live:{workshop.pk}:{workshop.code}:{workshop.version}:{own}"
    key += ":answered" if just_answered else ""
    html = cache.get(key)
    if html is None:
        participant = participant or workshop.participants.filter(pk=participant_id).first()
        if participant is None:
            return None
        context = _live_context(workshop, participant, just_answered=just_answered)
        # Focus: to the receipt after an answer; to the new item when the room moved on.
        context |= {"shared": True, "focus_heading": not just_answered}
        html = _live_update(request, context)
        cache.set(key, html, SHARED_FRAGMENT_SECONDS)
    return html


@require_POST
def answer(request: HttpRequest, code: str, item_id: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, code=code)
    participant = _participant_for(request, workshop)
    if participant is None:
        raise PermissionDenied
    item = get_object_or_404(
        workshop.items.select_related("question"), pk=item_id, kind=ItemKind.QUESTION
    )
    choices = item.choices_in_order()
    form = answer_form(item.question, choices, layer_names([item.question]), data=request.POST)
    if form.is_valid():
        try:
            participant.answer(item, **form.selection())
        except AnsweringClosedError:
            notice = _("Answering is not open for this question, so your answer was not stored.")
            if not request.htmx:
                messages.error(request, notice)
                return redirect(workshop.join_url)
            context = _live_context(workshop, participant, notice=notice)
            return render(request, "workshops/participate.html#live-update", context)
        if not request.htmx:
            return redirect(workshop.join_url)
        return HttpResponse(
            _shared_live(request, workshop, participant.pk, participant, just_answered=True)
        )
    context = _live_context(workshop, participant, form=form)
    if request.htmx:
        return render(request, "workshops/participate.html#live-update", context)
    return render(request, "workshops/participate.html", context)


@require_GET
def qr_code(request: HttpRequest, code: str) -> HttpResponse:
    """The join address as an SVG QR code, drawn here: no outside service sees the code."""
    workshop = get_object_or_404(Workshop, code=code)
    image = qrcode.make(
        request.build_absolute_uri(workshop.join_url), image_factory=SvgPathImage, border=2
    )
    response = HttpResponse(image.to_string(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response
