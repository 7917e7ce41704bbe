import hashlib
from dataclasses import dataclass
from functools import wraps

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from lessons.explorer import build_stack
from lessons.models import CompanyOwner, Owner, Responsibility
from plumbing.qr import qr_svg_response
from plumbing.spreadsheet import csv_response
from quiz.forms import IncidentForm, answer_form
from quiz.models import Incident, ReviewItem, classify_keys, layer_names
from quiz.ratelimit import over_limit

from . import streams
from .forms import (
    ITEM_FORMS,
    CreateWorkshopForm,
    HostActionForm,
    ItemMoveForm,
    JoinForm,
    PollForm,
    RegionQueryForm,
    RenameForm,
    WorkshopTitleForm,
)
from .models import (
    ANSWER_GRACE,
    NO_ANSWER,
    PODIUM_SIZE,
    ActionNotAllowedError,
    AnsweringClosedError,
    ItemKind,
    LiveAnswer,
    NameTakenError,
    Participant,
    Plan,
    RoomLockedError,
    Workshop,
    WorkshopItem,
    answer_signature,
    answer_signatures,
    incident_actions_in_order,
    new_answer_signature,
    tally,
)

PARTICIPANT_COOKIE = "participant"
PARTICIPANT_COOKIE_AGE = 60 * 60 * 24 * 30
SHARED_FRAGMENT_SECONDS = 10 * 60
# Per client address (quiz.ratelimit): join attempts, and look-ups of codes not joined.
JOIN_LIMIT, JOIN_WINDOW = 60, 60
CODE_GUESS_LIMIT, CODE_GUESS_WINDOW = 300, 10 * 60
SHAPES = 6
LOBBY_NAMES = 24
PEOPLE_ON_CONSOLE = 200
# The regions of the host's pages that refresh themselves, by their ?fragment= (their id):
# the partial, and the context's mark of what it shows (see _live_page). With no mark,
# the region follows the room's version; the others change without a new version
# (answers, people joining), so they always render.
CONSOLE_REGIONS = {
    "console": ("workshops/console.html#console", None),
    "host-live": ("workshops/console.html#host-live", "answers_mark"),
    "room": ("workshops/console.html#console-room", "people_mark"),
}
PRESENT_REGIONS = {
    "present-stage": ("workshops/present.html#present-stage", None),
    "present-answers": ("workshops/present.html#present-answers", "answers_mark"),
    "present-people": ("workshops/present.html#present-people", "people_mark"),
}
_REMOVED_MARK = 'data-removed="true"'


def facilitator_required(view):
    @wraps(view)
    @login_required
    def check_role(request, *args, **kwargs):
        if not request.user.is_facilitator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check_role


def get_workshop_for_host(user, code: str) -> Workshop:
    """The workshop with this code if `user` hosts it: 404 if none, 403 for anyone else."""
    workshop = get_object_or_404(Workshop, code=code)
    if not workshop.is_hosted_by(user):
        raise PermissionDenied
    return workshop


def get_item_for_host(workshop: Workshop, item_id: int) -> WorkshopItem:
    return get_object_or_404(
        WorkshopItem.objects.select_related("service", "layer", "question", "incident"),
        pk=item_id,
        workshop=workshop,
    )


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
        "items": workshop.items.select_related("service", "layer", "question", "incident"),
        "title_form": forms.get("title_form") or WorkshopTitleForm(instance=workshop),
        "add_forms": [
            (kind, label, forms.get(kind) or ITEM_FORMS[kind](prefix=kind))
            for kind, label in [
                (ItemKind.SLIDE, _("Add a text slide")),
                (ItemKind.LAYER, _("Add a layer of the explorer")),
                (ItemKind.QUESTION, _("Add a question from the bank")),
                (ItemKind.INCIDENT, _("Add an incident card: who fixes this?")),
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
        raise BadRequest
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


# Facilitator: host console, presenter, people ------------------------------------


def _room_context(request, workshop) -> dict:
    """What the console and the presenter both show; bounded queries, whatever the size."""
    items = list(
        workshop.items.select_related("service", "layer", "question__step__lesson", "incident")
    )
    current = next((i for i in items if i.position == workshop.current_position), None)
    context = {
        "workshop": workshop,
        "items": items,
        "current": current,
        "number": items.index(current) + 1 if current else 0,
        "is_last": current is not None and current is items[-1],
        "joined": workshop.participant_count(),
        "tally": (counted := tally([current]).get(current.pk) if current else None),
        "answers_mark": str(counted.answered) if counted else "",
        "join_address": request.build_absolute_uri(workshop.join_url),
    }
    if current and current.is_layer:
        context["stack"] = _stack_for(current)
    if current and current.is_question:
        context["choices"] = _shaped(current)
    if current and current.takes_answers:
        context["seconds_left"] = current.seconds_left()
    if current and current.is_incident and current.is_revealed:
        context.update(_incident_owners(current.incident))
    return context


def _incident_owners(incident) -> dict:
    """Who owns the card's layer and, if the company named one, its own team: two
    queries, once the answer is revealed (before, the team would tell who acts)."""
    row = Responsibility.objects.get(service_id=incident.service_id, layer_id=incident.layer_id)
    return {"incident_owner": row.owner, "company_owner": CompanyOwner.objects.for_part(row)}


def _shaped(item: WorkshopItem) -> list[tuple[int, object]]:
    """The question's choices with their shape number (1-6), as phones and projector show."""
    if item.question.is_classify:
        return []
    return [(index % SHAPES + 1, choice) for index, choice in enumerate(item.choices_in_order())]


def _console_context(request, workshop, notice="") -> dict:
    context = _room_context(request, workshop)
    context["people"] = workshop.newest_participants(PEOPLE_ON_CONSOLE)
    context["people_mark"] = _people_mark(context["people"], context["joined"])
    context["notice"] = notice
    return context


def _stack_for(item: WorkshopItem):
    service = item.service

    def explorer_url(layer_slug):
        return reverse("lessons:explorer_layer", args=[service.slug, layer_slug])

    return build_stack(service, item.layer.slug, explorer_url)


def _people_mark(people, joined: int) -> str:
    """Who is in the room, in a word: the count and the newest arrival."""
    return f"{joined}-{people[0].pk if people else 0}"


def _live_page(request, workshop, template, regions, context_for) -> HttpResponse:
    """The page, or the region its ?fragment= names (htmx only).

    A region asks with what it shows: the version, or the mark of its content (a count,
    the newest arrival). While that is still the room's, 204: the region stays as it
    is, with its scroll position and focus.
    """
    query = RegionQueryForm(request.GET, regions=regions)
    if not query.is_valid():
        raise BadRequest
    fragment = query.cleaned_data["fragment"]
    if not fragment or not request.htmx or request.htmx.history_restore_request:
        return render(request, template, context_for(request, workshop))
    partial, mark = regions[fragment]
    if mark is None and query.cleaned_data["v"] == workshop.version:
        return HttpResponse(status=204)
    context = context_for(request, workshop)
    if mark is not None and query.cleaned_data["mark"] == context[mark]:
        return HttpResponse(status=204)
    return render(request, partial, context)


@require_GET
@facilitator_required
@never_cache
@vary_on_headers("HX-Request")
def console(request: HttpRequest, code: str) -> HttpResponse:
    """The host's controls. Its regions follow the room (live regions, see base notes)."""
    workshop = get_workshop_for_host(request.user, code)
    workshop.close_answering_if_due()
    return _live_page(
        request, workshop, "workshops/console.html", CONSOLE_REGIONS, _console_context
    )


@require_GET
@facilitator_required
@never_cache
@vary_on_headers("HX-Request")
def present(request: HttpRequest, code: str) -> HttpResponse:
    """The projector's page: the room as everyone sees it, no controls and no site chrome."""
    workshop = get_workshop_for_host(request.user, code)
    workshop.close_answering_if_due()
    return _live_page(
        request, workshop, "workshops/present.html", PRESENT_REGIONS, _present_context
    )


def _present_context(request, workshop) -> dict:
    context = _room_context(request, workshop)
    if workshop.is_lobby:
        newest = workshop.newest_participants(LOBBY_NAMES)
        context |= {"newest": newest, "more": max(0, context["joined"] - len(newest))}
    context["people_mark"] = _people_mark(context.get("newest"), context["joined"])
    if workshop.ranked and (workshop.is_ended or workshop.show_leaderboard):
        board = workshop.leaderboard()
        context |= {"leaderboard": board, "podium": board[:PODIUM_SIZE]}
    return context


@require_POST
@facilitator_required
def control(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    form = HostActionForm(request.POST)
    if not form.is_valid():
        raise BadRequest
    notice = ""
    try:
        workshop.control(form.cleaned_data["action"], form.cleaned_data["position"])
    except ActionNotAllowedError as error:
        notice = str(error)
    if request.htmx:
        context = _console_context(request, workshop, notice)
        return render(request, "workshops/console.html#console", context)
    if notice:
        messages.error(request, notice)
    return redirect(workshop.console_url)


@require_http_methods(["GET", "POST"])
@facilitator_required
def person(request: HttpRequest, code: str, participant_id: int) -> HttpResponse:
    """One participant, for the host: rename on request, or remove from the room."""
    workshop = get_workshop_for_host(request.user, code)
    participant = get_object_or_404(workshop.participants, pk=participant_id)
    form = RenameForm(request.POST or None, initial={"name": participant.name})
    if request.method == "POST" and form.is_valid():
        try:
            workshop.rename(participant, form.cleaned_data["name"])
        except NameTakenError:
            form.add_error("name", _("Someone in this workshop already uses this name."))
        else:
            messages.success(request, _("Renamed to %(name)s.") % {"name": participant.name})
            return redirect(workshop.console_url)
    context = {"workshop": workshop, "participant": participant, "form": form}
    return render(request, "workshops/person.html", context)


@require_POST
@facilitator_required
def remove_person(request: HttpRequest, code: str, participant_id: int) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    participant = get_object_or_404(workshop.participants, pk=participant_id)
    workshop.remove(participant)
    notice = _("%(name)s was removed. Their answers no longer count.") % {"name": participant.name}
    if request.htmx:
        workshop.refresh_from_db()
        context = _console_context(request, workshop) | {"done": notice}
        return render(request, "workshops/console.html#console", context)
    messages.success(request, notice)
    return redirect(workshop.console_url)


@require_GET
@facilitator_required
def results(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_workshop_for_host(request.user, code)
    items = list(
        workshop.items.filter(kind__in=[ItemKind.QUESTION, ItemKind.INCIDENT]).select_related(
            "question__lesson", "incident"
        )
    )
    tallies = tally(items)
    context = {
        "workshop": workshop,
        "rows": [(item, tallies[item.pk]) for item in items],
        "participants": workshop.participants.with_scores().order_by("-points", "name"),
    }
    return render(request, "workshops/results.html", context)


@require_GET
@facilitator_required
def export(request: HttpRequest, code: str) -> StreamingHttpResponse:
    """One row per participant and question asked; streamed, so memory stays flat."""
    workshop = get_workshop_for_host(request.user, code)
    items = list(
        workshop.items.filter(
            kind__in=[ItemKind.QUESTION, ItemKind.INCIDENT], opened_at__isnull=False
        ).select_related("question", "incident")
    )
    answers = {
        (answer.participant_id, answer.item_id): answer
        for answer in LiveAnswer.objects.filter(item__in=items)
        .select_related("action")
        .prefetch_related("choices")
    }
    names = layer_names([item.question for item in items if item.is_question])

    def rows():
        yield ["workshop", "participant", "signed_in", "item", "question", "answer", "score"]
        for participant in workshop.participants.order_by("joined_at", "pk").iterator():
            for item in items:
                answer = answers.get((participant.pk, item.pk))
                yield [
                    workshop.code,
                    participant.name,
                    "yes" if participant.user_id else "no",
                    item.position,
                    item.question.slug if item.is_question else item.incident.slug,
                    _answer_text(answer, names) if answer else "",
                    f"{answer.score:.3f}" if answer else "",
                ]

    return csv_response(rows(), f"workshop-{workshop.code}.csv")


def _answer_text(answer, names) -> str:
    if answer.action_id:
        return f"{Incident.Who(answer.who).label}; {answer.action.text}"
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


def _too_many_tries(request) -> HttpResponse:
    response = render(request, "workshops/too_many_tries.html", status=429)
    response["Retry-After"] = str(CODE_GUESS_WINDOW)
    return response


def _guessing_codes(request) -> bool:
    """Count a look-up of a code this browser has not joined; True once over the limit.

    Per address, through quiz.ratelimit, so it holds across processes with a shared
    cache. Generous, because a whole room may reach us through one office address; a
    code is one of 31^6, so even at the limit guessing one takes years.
    """
    return over_limit(request, "workshop-code", CODE_GUESS_LIMIT, CODE_GUESS_WINDOW)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Code and display name; no account needed. A logged-in person is linked to it."""
    user = request.user if request.user.is_authenticated else None
    initial = {"name": user.get_short_name()} if user else {}
    if request.method == "POST" and (
        over_limit(request, "workshop-join", JOIN_LIMIT, JOIN_WINDOW) or _guessing_codes(request)
    ):
        return _too_many_tries(request)
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            participant = form.workshop.join(form.cleaned_data["name"], user)
        except NameTakenError:
            form.add_error(
                "name", _("Someone in this workshop already uses this name. Add an initial.")
            )
        except RoomLockedError:
            form.add_error(
                "code", _("The facilitator has closed this workshop to new people. Ask them.")
            )
        else:
            return _remember(redirect(form.workshop.join_url), participant)
    return render(request, "workshops/join.html", {"form": form})


def _announcement(workshop: Workshop, item: WorkshopItem | None) -> str:
    if workshop.is_ended:
        return _("The workshop has ended.")
    if item is None:
        return _("Waiting for the facilitator to start.")
    if item.takes_answers:
        return {
            WorkshopItem.Phase.READY: _("New question. Answering opens soon."),
            WorkshopItem.Phase.OPEN: _("Answering is open."),
            WorkshopItem.Phase.CLOSED: _("Answering has closed."),
            WorkshopItem.Phase.REVEALED: _("The answer is revealed."),
        }[item.phase]
    return _("Now showing: %(heading)s") % {"heading": item.heading}


@dataclass(frozen=True)
class RoomReads:
    """What the pages of one room read alike, read once when the stream makes many of
    them together (room_fragments); a single page reads only its own."""

    item: WorkshopItem | None
    answers: dict[int, LiveAnswer]  # the item's answers, by participant
    records: dict[int, tuple[Participant, tuple[int, int, int]]]  # Workshop.final_records()

    @classmethod
    def of(cls, workshop: Workshop, participant_ids=()) -> "RoomReads":
        """For the pages of `participant_ids`: at most six queries, whatever their number."""
        item = workshop.current_item() if workshop.is_running else None
        answers = {}
        if item:
            prefetch_related_objects([item], "question__choices", "incident__actions")
            answers = {
                answer.participant_id: answer
                for answer in item.answers.filter(participant__in=participant_ids)
                .select_related("action")
                .prefetch_related("choices")
            }
        ranked_now = workshop.ranked and item is not None and item.is_revealed
        records = workshop.final_records() if workshop.is_ended or ranked_now else {}
        return cls(item, answers, records)


def _live_context(
    workshop, participant, *, form=None, just_answered=False, notice="", reads=None
) -> dict:
    """What a participant sees now; a handful of queries, whatever the room's size, or
    none beyond `reads` (RoomReads) when given."""
    if participant.is_removed:
        return {"workshop": workshop, "participant": participant, "removed": True}
    item = reads.item if reads else workshop.current_item() if workshop.is_running else None

    def own_answer():
        return reads.answers.get(participant.pk) if reads else participant.answer_to(item)

    def standing():
        return reads.records[participant.pk][1] if reads else workshop.standing_of(participant)

    context = {
        "workshop": workshop,
        "participant": participant,
        "item": item,
        "announcement": _announcement(workshop, item),
        "just_answered": just_answered,
        "notice": notice,
        "answer_grace_seconds": int(ANSWER_GRACE.total_seconds()),
    }
    if workshop.is_ended:
        context["record"] = (
            reads.records[participant.pk][0]
            if reads
            else workshop.participants.with_scores().get(pk=participant.pk)
        )
        if workshop.ranked:
            context["standing"] = standing()
    elif item and item.is_layer:
        context["stack"] = _stack_for(item)
    elif item and item.is_incident:
        context.update(_incident_context(item, own_answer(), form))
        if item.is_revealed and workshop.ranked:
            context["standing"] = standing()
    elif item and item.is_question:
        question = item.question
        choices = item.choices_in_order()
        names = layer_names([question])
        answer = own_answer()
        context.update(question=question, answer=answer, seconds_left=item.seconds_left())
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
            if workshop.ranked:
                context["standing"] = standing()
    return context


def _incident_form(item: WorkshopItem, data=None) -> IncidentForm:
    actions = incident_actions_in_order(item.incident, item.incident.actions.all())
    return IncidentForm(data, who_choices=Incident.Who.choices, actions=actions)


def _incident_context(item: WorkshopItem, answer: LiveAnswer | None, form=None) -> dict:
    """An incident card on a phone: the form while answering is open, what was chosen
    once locked in (`answer`), and after the reveal who acts and the better first action."""
    context = {"incident": item.incident, "answer": answer, "seconds_left": item.seconds_left()}
    if answer:
        context["answer_text"] = _answer_text(answer, {})
    if item.is_open and answer is None:
        context["form"] = form or _incident_form(item)
    if item.is_revealed:
        actions = list(item.incident.actions.all())
        context["right_action"] = next(action for action in actions if action.is_correct)
        context.update(_incident_owners(item.incident))
    return context


@require_GET
@never_cache
def participate(request: HttpRequest, code: str) -> HttpResponse:
    """The participant's page (the QR code's address), or the join form for newcomers."""
    if code != code.upper():
        return redirect("workshops:participate", code.upper())
    participant_id = _participant_id(request, code)
    if participant_id is None and _guessing_codes(request):
        return _too_many_tries(request)
    workshop = get_object_or_404(Workshop, code=code)
    workshop.close_answering_if_due()
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
    """The participant page's poll: 204 while the version is unchanged, one indexed read
    (and, past a timed question's deadline, the one write that closes it)."""
    query = PollForm(request.GET)
    if not query.is_valid():
        raise BadRequest
    participant_id = _participant_id(request, code)
    if participant_id is None:
        raise PermissionDenied
    workshop = get_object_or_404(Workshop.objects.with_closing_time(), code=code)
    if workshop.closing_time and workshop.closing_time <= timezone.now():
        workshop.close_answering_if_due()
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
    if _REMOVED_MARK in html:
        return HttpResponseStopPolling(html)
    return HttpResponse(html)


def _live_update(request, context) -> str:
    return render_to_string("workshops/participate.html#live-update", context, request=request)


def _shared_live(
    request,
    workshop,
    participant_id,
    participant=None,
    *,
    just_answered=False,
    signature=None,
    reads=None,
):
    """The participant's live fragment, or None if they are not in this workshop.

    A host action sends the whole room to the poll at once, and a question's answers
    come in a burst. Everyone whose own answer and standing are the same sees the same
    fragment, so each process renders it once per version, not once per phone. The
    cookie is signed for this code, so the id is one this workshop issued.
    """
    signature = signature or answer_signature(participant_id, workshop)
    own = hashlib.sha256(signature.encode()).hexdigest()
    key = f"workshops:live:{workshop.pk}:{workshop.code}:{workshop.version}:{own}"
    key += ":answered" if just_answered else ""
    html = cache.get(key)
    if html is None:
        participant = participant or workshop.participants.filter(pk=participant_id).first()
        if participant is None:
            return None
        context = _live_context(workshop, participant, just_answered=just_answered, reads=reads)
        # Focus: to the receipt after an answer; to the new item when the room moved on.
        context |= {"shared": True, "focus_heading": not just_answered}
        html = _live_update(request, context)
        cache.set(key, html, SHARED_FRAGMENT_SECONDS)
    return html


def room_fragments(workshop_id: int, participant_ids) -> tuple[int, dict[int, str]]:
    """The room's version and the fragment each of these participants would poll now.

    One render per signature (answer_signatures), through the same cache as the polls,
    so the stream can push a host action's result rather than send the whole room to
    fetch it at once; once the workshop has ended, one per distinct final result.
    """
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is None:
        return 0, {}
    if workshop.is_ended:
        return workshop.version, _final_fragments(workshop, participant_ids)
    room_signatures = answer_signatures(workshop)
    signatures = {pk: room_signatures.get(pk, NO_ANSWER) for pk in participant_ids}
    # One page per signature, made for one of the people who have it.
    whose = {}
    for pk, signature in signatures.items():
        whose.setdefault(signature, pk)
    reads = RoomReads.of(workshop, whose.values())
    people = workshop.participants.in_bulk(whose.values())
    pages = {
        signature: _shared_live(None, workshop, pk, people[pk], signature=signature, reads=reads)
        for signature, pk in whose.items()
        if pk in people
    }
    return workshop.version, {
        pk: pages[signature] for pk, signature in signatures.items() if signature in pages
    }


def _final_fragments(workshop: Workshop, participant_ids) -> dict[int, str]:
    """Each participant's final page (points, place, score), as the poll would give it.

    Every phone wants its own at the same moment; read in one query and rendered once
    per distinct result. Removed participants get none: they fetch their own page.
    """
    reads = RoomReads.of(workshop)
    by_result: dict[tuple, str] = {}
    fragments = {}
    for participant_id in participant_ids:
        if participant_id not in reads.records:
            continue
        record, standing = reads.records[participant_id]
        result = (
            standing if workshop.ranked else None,
            record.answered,
            record.asked,
            record.percent,
            record.user_id is None,
        )
        if result not in by_result:
            context = _live_context(workshop, record, reads=reads)
            by_result[result] = _live_update(None, context | {"focus_heading": True})
        fragments[participant_id] = by_result[result]
    return fragments


@require_POST
def answer(request: HttpRequest, code: str, item_id: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, code=code)
    participant = _participant_for(request, workshop)
    if participant is None:
        raise PermissionDenied
    if participant.is_removed:
        if request.htmx:
            return HttpResponseStopPolling(
                _live_update(request, _live_context(workshop, participant))
            )
        return redirect(workshop.join_url)
    item = get_object_or_404(
        # The choices, once: for the form and for scoring.
        workshop.items.select_related("question", "incident").prefetch_related(
            "question__choices"
        ),
        pk=item_id,
        kind__in=[ItemKind.QUESTION, ItemKind.INCIDENT],
    )
    if item.is_incident:
        form = _incident_form(item, data=request.POST)
    else:
        choices = item.choices_in_order()
        form = answer_form(item.question, choices, layer_names([item.question]), data=request.POST)
    if form.is_valid():
        selection = form.selection()
        try:
            answer, created = participant.answer(item, **selection)
        except AnsweringClosedError:
            workshop.close_answering_if_due()
            notice = _("Answering is not open for this question, so your answer was not stored.")
            if not request.htmx:
                messages.error(request, notice)
                return redirect(workshop.join_url)
            context = _live_context(workshop, participant, notice=notice)
            return render(request, "workshops/participate.html#live-update", context)
        if not request.htmx:
            return redirect(workshop.join_url)
        # A racing second answer got the stored one back: its page is read, not assumed.
        signature = (
            new_answer_signature(answer, selection.get("choice_ids", ())) if created else None
        )
        return HttpResponse(
            _shared_live(
                request,
                workshop,
                participant.pk,
                participant,
                just_answered=True,
                signature=signature,
            )
        )
    context = _live_context(workshop, participant, form=form)
    if request.htmx:
        return render(request, "workshops/participate.html#live-update", context)
    return render(request, "workshops/participate.html", context)


@require_GET
def qr_code(request: HttpRequest, code: str) -> HttpResponse:
    """The join address as an SVG QR code, drawn here: no outside service sees the code."""
    workshop = get_object_or_404(Workshop, code=code)
    response = qr_svg_response(request.build_absolute_uri(workshop.join_url))
    response["Cache-Control"] = "private, max-age=3600"
    return response


# The live room's stream ----------------------------------------------------------


def _is_host(request: HttpRequest, host_id: int, *, disconnect=False) -> bool:
    try:
        return request.user.is_authenticated and request.user.pk == host_id
    finally:
        if disconnect:  # a stream outlives its request: it must not hold a connection
            connection.close()


def _event_stream(request: HttpRequest, content) -> StreamingHttpResponse:
    # No compression (GZipMiddleware): an event of a few bytes gains nothing, each would
    # cost CPU on every stream, and on a WSGI server gzip holds events back until its
    # buffer fills.
    request.META.pop("HTTP_ACCEPT_ENCODING", None)
    response = StreamingHttpResponse(content, content_type="text/event-stream")
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _events_under_wsgi(request: HttpRequest, code: str) -> HttpResponse:
    room = streams.read_room(code=code)
    if room is None:
        raise Http404
    if _participant_id(request, code) is None and not _is_host(request, room.host_id):
        raise PermissionDenied
    seconds = settings.LIVE_STREAM_WSGI_SECONDS
    if room.ended or seconds <= 0:
        return HttpResponse(status=204)  # the browser stops trying; the page polls
    participant_id = _participant_id(request, code)
    return _event_stream(
        request, streams.bounded_events(room, seconds, participant_id, room_fragments)
    )


@require_GET
@never_cache
async def events(request: HttpRequest, code: str) -> HttpResponse:
    """The live room's Server-Sent Events, for its participants and its host.

    `state`: the room's version moved (fetch the page's regions); `answers`: its counts
    moved. 204 once the workshop has ended: the browser then stops reconnecting.
    """
    if not isinstance(request, ASGIRequest):
        return await sync_to_async(_events_under_wsgi)(request, code)
    hub = streams.hub()
    room = await hub.room(code)
    if room is None:
        raise Http404
    if _participant_id(request, code) is None and not await sync_to_async(_is_host)(
        request, room.state.host_id, disconnect=True
    ):
        raise PermissionDenied
    if room.state.ended:
        return HttpResponse(status=204)
    participant_id = _participant_id(request, code)
    return _event_stream(request, hub.follow(room, participant_id, render=room_fragments))
