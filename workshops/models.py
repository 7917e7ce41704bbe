"""Live workshops: a facilitator paces a room through a plan; participants answer by phone.

Everything a room needs lives in the database, so any number of app processes can serve
it. The rules that must hold when requests race are kept by the database:

- every host action runs under a lock on the workshop row and bumps its `version` in the
  same transaction (an F() update), so two clicks apply one after the other, and a
  participant's page learns of the change by comparing one number;
- an answer is stored under a lock on its item's row, so "Close answering" and an answer
  in flight are ordered: no answer lands after answering closed;
- one answer per participant per item, one participant per account, and display names
  unique within a workshop by their key (workshops/names.py: case and look-alikes
  folded), are constraints;
- a timed question's deadline is stored on its row and checked under that same lock,
  so an answer that arrives after it is refused exactly as one after "Close answering".
"""

import datetime
import json
import random
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lessons import markdown
from lessons.models import Layer, Owner, Service
from plumbing.codes import random_code
from quiz import scoring
from quiz.answer_sources import AnswerCounts
from quiz.models import (
    CLASSIFY_OWNERS,
    Choice,
    Incident,
    IncidentAction,
    Question,
    ScoredAnswer,
    classify_keys,
    layer_names,
)

from . import events, names, points, push

JOIN_CODE_LENGTH = 6
JOIN_CODE_DRAWS = 10
LEADERBOARD_SIZE = 10
PODIUM_SIZE = 3
DEFAULT_TIME_LIMIT = 20
# An incident card is a short story and two answers: it gets longer to read.
DEFAULT_INCIDENT_TIME_LIMIT = 45
# The kinds of item the room answers, with the phases ready, open, closed, revealed.
ANSWERED_KINDS = ("question", "incident")
# An answer sent just before answering closed may reach the database a moment later
# when the server is busy; it still counts if it arrives within this grace (the
# participant's page says so). A deadline closes answering like "Close answering".
ANSWER_GRACE = timedelta(seconds=3)
# What the host's console can do (Workshop.control carries each out).
HOST_ACTIONS = {
    "start": _("Start the workshop"),
    "previous": _("Previous"),
    "next": _("Next"),
    "open": _("Open answering"),
    "close": _("Close answering"),
    "reveal": _("Reveal the answer"),
    "show_leaderboard": _("Show the leaderboard"),
    "hide_leaderboard": _("Hide the leaderboard"),
    "lock": _("Lock the room"),
    "unlock": _("Let people join again"),
    "goto": _("Go to this item"),
    "end": _("End the workshop"),
}


def new_join_code() -> str:
    return random_code(JOIN_CODE_LENGTH)


class ItemKind(models.TextChoices):
    SLIDE = "slide", _("Text slide")
    LAYER = "layer", _("Explorer layer")
    QUESTION = "question", _("Question")
    INCIDENT = "incident", _("Incident card")


class ItemContent(models.Model):
    """What one step of a plan or of a workshop shows: a slide, a layer, a question, or
    an incident card ("Who fixes this?", answered like a question: who acts, and the
    first action)."""

    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(
        _("text"), blank=True, help_text=_("Markdown; raw HTML is shown as text.")
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    layer = models.ForeignKey(
        Layer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("incident card"),
    )
    time_limit = models.PositiveSmallIntegerField(
        _("time limit (seconds)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(600)],
        help_text=_("Questions and incident cards: seconds to answer, 5 to 600. Empty: no limit."),
    )

    class Meta:
        abstract = True
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ANSWERED_KINDS) | Q(time_limit__isnull=True),
                name="%(app_label)s_%(class)s_only_answered_items_are_timed",
            ),
            models.CheckConstraint(
                condition=Q(
                    ~Q(title=""),
                    kind="slide",
                    service__isnull=True,
                    layer__isnull=True,
                    question__isnull=True,
                    incident__isnull=True,
                )
                | Q(
                    kind="layer",
                    service__isnull=False,
                    layer__isnull=False,
                    question__isnull=True,
                    incident__isnull=True,
                    title="",
                    body="",
                )
                | Q(
                    kind="question",
                    service__isnull=True,
                    layer__isnull=True,
                    question__isnull=False,
                    incident__isnull=True,
                    title="",
                    body="",
                )
                | Q(
                    kind="incident",
                    service__isnull=True,
                    layer__isnull=True,
                    question__isnull=True,
                    incident__isnull=False,
                    title="",
                    body="",
                ),
                name="%(app_label)s_%(class)s_kind_matches_content",
            ),
        ]

    @property
    def is_slide(self) -> bool:
        return self.kind == ItemKind.SLIDE

    @property
    def is_layer(self) -> bool:
        return self.kind == ItemKind.LAYER

    @property
    def is_question(self) -> bool:
        return self.kind == ItemKind.QUESTION

    @property
    def is_incident(self) -> bool:
        return self.kind == ItemKind.INCIDENT

    @property
    def takes_answers(self) -> bool:
        """Questions and incident cards: the room answers them, phase by phase."""
        return self.kind in ANSWERED_KINDS

    @property
    def body_html(self):
        return markdown.render(self.body)

    @property
    def heading(self) -> str:
        """A one-line name for lists and outlines (needs service, layer, question)."""
        if self.is_layer:
            return gettext("%(layer)s on %(service)s") % {
                "layer": self.layer.name,
                "service": self.service.name,
            }
        if self.is_question:
            return Truncator(self.question.prompt).chars(80)
        if self.is_incident:
            return self.incident.title
        return self.title

    def content(self) -> dict:
        """The fields that say what the item shows, to copy it into another plan."""
        return {
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "service_id": self.service_id,
            "layer_id": self.layer_id,
            "question_id": self.question_id,
            "incident_id": self.incident_id,
            "time_limit": self.time_limit,
        }


class Plan(models.Model):
    """A ready-made workshop, shipped as a file in workshops/content/plans/."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    minutes = models.PositiveSmallIntegerField(help_text=_("How long it takes to run."))

    class Meta:
        ordering = ["minutes", "title"]

    def __str__(self):
        return self.title


class PlanItem(ItemContent):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")

    class Meta(ItemContent.Meta):
        constraints = [
            *ItemContent.Meta.constraints,
            models.UniqueConstraint(fields=["plan", "position"], name="plan_item_position_unique"),
        ]

    def __str__(self):
        return f"{self.plan}: {self.position}"


class ActionNotAllowedError(Exception):
    """A host action that does not fit the workshop as it is now; the message says why."""


class AnsweringClosedError(Exception):
    """The item is not taking answers (not opened yet, closed, or revealed)."""


class NameTakenError(Exception):
    """Someone in this workshop already goes by this name (or one that looks the same)."""


class RoomLockedError(Exception):
    """The host locked the room: no one new may join."""


class WorkshopQuerySet(models.QuerySet):
    def with_closing_time(self):
        """`closing_time`: the deadline of the question open on screen, if it has one."""
        return self.annotate(
            closing_time=Subquery(
                WorkshopItem.objects.filter(
                    workshop=OuterRef("pk"),
                    position=OuterRef("current_position"),
                    phase=WorkshopItem.Phase.OPEN,
                ).values("deadline")[:1]
            )
        )

    def hosted_by(self, user):
        """`user`'s workshops, newest first, with `participant_count`: one query."""
        return (
            self.filter(host=user)
            .annotate(participant_count=Count("participants"))
            .order_by("-created_at", "-pk")
        )

    def create_from(self, *, host, title: str, items, plan=None) -> "Workshop":
        """A new workshop, not started, holding a copy of `items` (a plan's or a workshop's).

        The join code is drawn at random. Should it be in use already, the unique
        constraint says so (even when two workshops are created at the same moment) and
        another is drawn.
        """
        for _draw in range(JOIN_CODE_DRAWS):
            code = new_join_code()
            try:
                with transaction.atomic():
                    workshop = self.create(code=code, title=title, host=host, plan=plan)
                    WorkshopItem.objects.bulk_create(
                        WorkshopItem(workshop=workshop, position=position, **item.content())
                        for position, item in enumerate(items, start=1)
                    )
                    return workshop
            except IntegrityError:
                if not self.filter(code=code).exists():
                    raise
        raise RuntimeError(f"no free join code in {JOIN_CODE_DRAWS} draws")


class Workshop(models.Model):
    class State(models.TextChoices):
        LOBBY = "lobby", _("Not started")
        RUNNING = "running", _("Running")
        ENDED = "ended", _("Ended")

    code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True)
    title = models.CharField(_("title"), max_length=200)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_workshops"
    )
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="workshops"
    )
    state = models.CharField(max_length=7, choices=State.choices, default=State.LOBBY)
    current_position = models.PositiveSmallIntegerField(null=True, blank=True)
    show_leaderboard = models.BooleanField(default=False)
    ranked = models.BooleanField(
        _("points and podium"),
        default=True,
        help_text=_(
            "Participants see their points and place after each answer, and the presenter "
            "shows a podium and the leaderboard at the end."
        ),
    )
    locked = models.BooleanField(default=False, help_text=_("No one new may join."))
    version = models.PositiveIntegerField(
        default=1, help_text=_("Bumped by every host action; participants' pages poll it.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("run_workshops", _("Can run workshops"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["lobby", "running", "ended"]),
                name="workshop_state_is_known",
            ),
            models.CheckConstraint(
                condition=~Q(state="running") | Q(current_position__isnull=False),
                name="running_workshop_shows_an_item",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.code})"

    def get_absolute_url(self):
        return reverse("workshops:detail", args=[self.code])

    @property
    def console_url(self) -> str:
        return reverse("workshops:console", args=[self.code])

    @property
    def results_url(self) -> str:
        return reverse("workshops:results", args=[self.code])

    @property
    def join_url(self) -> str:
        return reverse("workshops:participate", args=[self.code])

    @property
    def present_url(self) -> str:
        return reverse("workshops:present", args=[self.code])

    def is_hosted_by(self, user) -> bool:
        return self.host_id == user.pk

    @property
    def code_for_reading(self) -> str:
        """The code in two halves, as a facilitator reads it out: "K7P X3M"."""
        half = len(self.code) // 2
        return f"{self.code[:half]} {self.code[half:]}"

    @property
    def is_lobby(self) -> bool:
        return self.state == self.State.LOBBY

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING

    @property
    def is_ended(self) -> bool:
        return self.state == self.State.ENDED

    def current_item(self) -> "WorkshopItem | None":
        """The item on screen, with what it shows: one query (none before the start)."""
        if self.current_position is None:
            return None
        return (
            self.items.select_related("service", "layer", "question__step__lesson", "incident")
            .filter(position=self.current_position)
            .first()
        )

    # Host actions ------------------------------------------------------------------

    def control(self, action: str, position: int | None = None) -> None:
        """Carry out one of HOST_ACTIONS and bump the version, or raise ActionNotAllowedError.

        `position` is the item to go to, for "goto" only.
        """
        if action not in HOST_ACTIONS:
            raise ValueError(f"unknown host action {action!r}")
        with transaction.atomic():
            # Two clicks, or two tabs of the host, apply one after the other, each to the
            # state the other left; answers wait on the item rows changed here.
            room = Workshop.objects.select_for_update().get(pk=self.pk)
            changes = room._changes_for(action, position)
            Workshop.objects.filter(pk=self.pk).update(version=F("version") + 1, **changes)
            ended = changes.get("state", room.state) == self.State.ENDED
            push.announce(self.pk, push.STATE, version=room.version + 1, ended=ended)
        self.refresh_from_db()

    def _changes_for(self, action: str, position: int | None) -> dict:
        """What `action` changes on this (locked) row; the item rows it updates itself."""
        Phase = WorkshopItem.Phase
        match action:
            case "start":
                return self._start()
            case "next":
                return self._move(later=True)
            case "previous":
                return self._move(later=False)
            case "goto":
                return self._goto(position)
            case "open":
                return self._set_phase(
                    [Phase.READY, Phase.CLOSED],
                    Phase.OPEN,
                    gettext(
                        "Answering cannot open now: it is open already, or the answer is revealed."
                    ),
                )
            case "close":
                return self._set_phase(
                    [Phase.OPEN],
                    Phase.CLOSED,
                    gettext("Answering is not open, so it cannot close."),
                )
            case "reveal":
                return self._set_phase(
                    [Phase.READY, Phase.OPEN, Phase.CLOSED],
                    Phase.REVEALED,
                    gettext("The answer is already revealed."),
                )
            case "show_leaderboard" | "hide_leaderboard":
                return {"show_leaderboard": action == "show_leaderboard"}
            case "lock" | "unlock":
                if self.locked == (action == "lock"):
                    raise ActionNotAllowedError(
                        gettext("The room is locked already.")
                        if self.locked
                        else gettext("The room is open to new people already.")
                    )
                return {"locked": action == "lock"}
            case "end":
                if self.is_ended:
                    raise ActionNotAllowedError(gettext("The workshop has ended."))
                self._close_answering()
                return {"state": self.State.ENDED, "ended_at": timezone.now()}
        raise ValueError(f"unknown host action {action!r}")

    def _require_running(self):
        if not self.is_running:
            raise ActionNotAllowedError(
                gettext("The workshop has ended.")
                if self.is_ended
                else gettext("Start the workshop first.")
            )

    def _start(self) -> dict:
        if not self.is_lobby:
            raise ActionNotAllowedError(gettext("The workshop has already started."))
        first = self.items.order_by("position").first()
        if first is None:
            raise ActionNotAllowedError(gettext("Add at least one item before you start."))
        return {
            "state": self.State.RUNNING,
            "current_position": first.position,
            "started_at": timezone.now(),
        }

    def _move(self, later: bool) -> dict:
        self._require_running()
        items = self.items.order_by("position" if later else "-position")
        beyond = {"position__gt" if later else "position__lt": self.current_position}
        target = items.filter(**beyond).first()
        if target is None:
            raise ActionNotAllowedError(
                gettext("This is the last item.") if later else gettext("This is the first item.")
            )
        return self._show(target.position)

    def _show(self, position: int) -> dict:
        # Answers are taken only for the item on screen.
        self._close_answering()
        return {"current_position": position}

    def _goto(self, position: int | None) -> dict:
        self._require_running()
        if position is None or not self.items.filter(position=position).exists():
            raise ActionNotAllowedError(gettext("This workshop has no such item."))
        if position == self.current_position:
            raise ActionNotAllowedError(gettext("This item is on screen already."))
        return self._show(position)

    def _current_question(self) -> "WorkshopItem":
        self._require_running()
        item = self.items.get(position=self.current_position)
        if not item.takes_answers:
            raise ActionNotAllowedError(
                gettext("The item on screen is not a question or an incident card.")
            )
        return item

    def _set_phase(self, allowed_from, phase, refusal) -> dict:
        item = self._current_question()
        if item.phase not in allowed_from:
            raise ActionNotAllowedError(refusal)
        if item.is_open:
            # Past its deadline, answering stopped then, whenever the host says so.
            item.closed_at = min(filter(None, [timezone.now(), item.deadline]))
        item.phase = phase
        if phase == WorkshopItem.Phase.OPEN:
            now = timezone.now()
            item.opened_at = item.opened_at or now
            # Each opening gets the whole time again; the clock runs on the server.
            item.deadline = now + timedelta(seconds=item.time_limit) if item.time_limit else None
        item.save(update_fields=["phase", "opened_at", "closed_at", "deadline"])
        return {}

    def _close_answering(self) -> None:
        """Answering stops on whatever item takes answers (the room moves on or ends)."""
        self.items.filter(phase=WorkshopItem.Phase.OPEN).update(
            phase=WorkshopItem.Phase.CLOSED, closed_at=timezone.now()
        )

    def close_answering_if_due(self) -> bool:
        """Close the question on screen once its deadline has passed; True if this did.

        Called by whatever reads the room (polls, the presenter, the stream), so answering
        closes by itself at the deadline without a clock process. Answers are refused
        after the deadline either way; this makes every page show it. The conditional
        UPDATE lets exactly one of many racing callers bump the version. No transaction
        around the pair: should the bump be lost, answers are still refused and the next
        host action refreshes every page; the common case (nothing due) is one UPDATE.
        """
        closed = self.items.filter(
            phase=WorkshopItem.Phase.OPEN, deadline__lte=timezone.now()
        ).update(phase=WorkshopItem.Phase.CLOSED, closed_at=F("deadline"))
        if closed:
            Workshop.objects.filter(pk=self.pk).update(version=F("version") + 1)
            self.refresh_from_db(fields=["version"])
            push.announce(self.pk, push.STATE, version=self.version, ended=False)
        return bool(closed)

    # Editing the items, before the start --------------------------------------------

    def _editable(self) -> "Workshop":
        """Lock the row for an edit (two tabs editing apply in turn); only before the start."""
        room = Workshop.objects.select_for_update().get(pk=self.pk)
        if not room.is_lobby:
            raise ActionNotAllowedError(
                gettext("The workshop has started, so its items can no longer change.")
            )
        return room

    def add_item(self, item: "WorkshopItem") -> None:
        with transaction.atomic():
            self._editable()
            last = self.items.aggregate(last=models.Max("position"))["last"] or 0
            item.workshop, item.position = self, last + 1
            item.save()

    def update_item(self, item: "WorkshopItem") -> None:
        with transaction.atomic():
            self._editable()
            item.save()

    def move_item(self, item: "WorkshopItem", *, up: bool) -> None:
        """Swap `item` with its neighbour; at either end nothing moves."""
        with transaction.atomic():
            self._editable()
            items = self.items.order_by("-position" if up else "position")
            beyond = {"position__lt" if up else "position__gt": item.position}
            neighbour = items.filter(**beyond).first()
            if neighbour is None:
                return
            # Through the free position 0, as the pair must stay unique at every step.
            self.items.filter(pk=item.pk).update(position=0)
            self.items.filter(pk=neighbour.pk).update(position=item.position)
            self.items.filter(pk=item.pk).update(position=neighbour.position)

    def remove_item(self, item: "WorkshopItem") -> None:
        """Positions keep their gaps: the order is what counts."""
        with transaction.atomic():
            self._editable()
            item.delete()

    # Participants ------------------------------------------------------------------

    def join(self, name: str, user=None) -> "Participant":
        """A new participant, or the one this account already is in this workshop.

        `name` is normalised already (names.normalise). Raises RoomLockedError for
        newcomers to a locked room, NameTakenError when the name (or a look-alike) is in
        use here, also when two people pick it at the same moment: the constraint decides
        who had it first. A removed participant's name stays taken.
        """
        if user is not None:
            mine = self.participants.filter(user=user).first()
            if mine:
                return mine
        if self.locked:
            raise RoomLockedError
        key = names.key(name)
        try:
            with transaction.atomic():
                participant = self.participants.create(name=name, name_key=key, user=user)
                push.announce(self.pk, push.ANSWERS)
                return participant
        except IntegrityError:
            if user is not None and (mine := self.participants.filter(user=user).first()):
                return mine  # the same account joined from two devices at once
            if self.participants.filter(name_key=key).exists():
                raise NameTakenError from None
            raise

    def rename(self, participant: "Participant", name: str) -> None:
        """Give `participant` a new (normalised) name; NameTakenError if it is in use."""
        try:
            with transaction.atomic():
                Participant.objects.filter(pk=participant.pk).update(
                    name=name, name_key=names.key(name)
                )
                self._bump()
        except IntegrityError:
            raise NameTakenError from None
        participant.name = name

    def remove(self, participant: "Participant") -> None:
        """Take `participant` out of the room: their answers stop counting, their page
        says so, and their name stays taken so they cannot come back under it."""
        with transaction.atomic():
            Participant.objects.filter(pk=participant.pk, removed_at__isnull=True).update(
                removed_at=timezone.now()
            )
            self._bump()
            push.announce(self.pk, push.ANSWERS)

    def _bump(self) -> None:
        """A change to the room outside a host action: new version, pages told."""
        Workshop.objects.filter(pk=self.pk).update(version=F("version") + 1)
        version = Workshop.objects.values_list("version", flat=True).get(pk=self.pk)
        push.announce(self.pk, push.STATE, version=version, ended=self.is_ended)

    # Counts and results ------------------------------------------------------------

    def participant_count(self) -> int:
        return self.participants.present().count()

    def newest_participants(self, limit: int) -> list["Participant"]:
        return list(self.participants.present().order_by("-joined_at", "-pk")[:limit])

    def leaderboard(self, size: int = LEADERBOARD_SIZE) -> list["Participant"]:
        """The `size` participants with the most points, each with `place`: one query."""
        board = list(
            self.participants.present()
            .with_scores()
            .order_by("-points", Lower("name"), "pk")[:size]
        )
        for participant in board:
            # Equal points share a place; the board is ordered, so count those above.
            participant.place = 1 + sum(1 for other in board if other.points > participant.points)
        return board

    def standing_of(self, participant: "Participant") -> tuple[int, int, int]:
        """(total points, place, people in the room) for `participant`: two queries."""
        totals = (
            self.participants.present()
            .order_by()
            .annotate(total=Coalesce(Sum("answers__points"), 0))
        )
        mine = next((row["total"] for row in totals.filter(pk=participant.pk).values("total")), 0)
        counts = totals.aggregate(
            above=Count("pk", filter=Q(total__gt=mine)), everyone=Count("pk")
        )
        return mine, counts["above"] + 1, counts["everyone"]

    def final_records(self) -> dict[int, tuple["Participant", tuple[int, int, int]]]:
        """Everyone present, with_scores(), and their standing_of(): one query for the
        whole room, for the moment it ends and every phone wants its own result."""
        records = list(self.participants.present().with_scores().order_by())
        totals = sorted(record.points for record in records)
        everyone = len(totals)

        def place(points: int) -> int:
            # Equal points share a place: one more than the totals above.
            return everyone - bisect_right(totals, points) + 1

        return {
            record.pk: (record, (record.points, place(record.points), everyone))
            for record in records
        }


class WorkshopItem(ItemContent):
    class Phase(models.TextChoices):
        READY = "ready", _("Not open yet")
        OPEN = "open", _("Answering open")
        CLOSED = "closed", _("Answering closed")
        REVEALED = "revealed", _("Answer revealed")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="items")
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.READY)
    opened_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When answering first opened: the question was asked.")
    )
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When answering last stopped; answers in flight count for a short grace."),
    )
    deadline = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Timed questions: answering stops at this moment (then the grace)."),
    )

    class Meta(ItemContent.Meta):
        constraints = [
            *ItemContent.Meta.constraints,
            models.UniqueConstraint(
                fields=["workshop", "position"], name="workshop_item_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ANSWERED_KINDS) | Q(phase="ready", opened_at__isnull=True),
                name="only_answered_items_take_answers",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(time_limit__isnull=False),
                name="only_timed_items_have_a_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.workshop.code} #{self.position}"

    @property
    def is_open(self) -> bool:
        return self.phase == self.Phase.OPEN

    @property
    def is_revealed(self) -> bool:
        return self.phase == self.Phase.REVEALED

    @property
    def is_timed(self) -> bool:
        return self.time_limit is not None

    def seconds_left(self, now=None) -> int | None:
        """Whole seconds until the deadline while answering is open (None: no clock)."""
        if not (self.is_open and self.deadline):
            return None
        left = (self.deadline - (now or timezone.now())).total_seconds()
        return max(0, int(left + 0.999))

    def choices_in_order(self) -> list[Choice]:
        """The question's choices as everyone in the room sees them: the file's order.
        Sorted here, so that choices prefetched for scoring serve both."""
        return sorted(self.question.choices.all(), key=lambda choice: (choice.order, choice.pk))


class ParticipantQuerySet(models.QuerySet):
    def present(self):
        """Everyone the host has not removed."""
        return self.filter(removed_at__isnull=True)

    def with_scores(self):
        """`answered`, `score_sum` (sum of scores), `points` (the room's points, see
        points.py) and `asked` (questions opened)."""
        asked = (
            WorkshopItem.objects.filter(workshop=OuterRef("workshop"), opened_at__isnull=False)
            .order_by()
            .values("workshop")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return self.annotate(
            answered=Count("answers"),
            score_sum=Coalesce(Sum("answers__score"), 0.0),
            points=Coalesce(Sum("answers__points"), 0),
            asked=Coalesce(Subquery(asked), 0),
        )

    def records_for(self, user):
        """The workshops `user` took part in while logged in, newest first: one query."""
        return (
            self.filter(user=user)
            .with_scores()
            .select_related("workshop")
            .order_by("-joined_at", "-pk")
        )


def _share_lock_if_open(item: WorkshopItem, now) -> tuple[bool, "timezone.datetime | None"]:
    """Whether `item` takes answers at `now`, and its deadline; if open, hold a shared
    lock on its row until commit.

    It does while answering is open and for ANSWER_GRACE after it stopped: an answer
    sent in time is not refused because the server was slow to reach it. Answers to
    one question run side by side, while "Close answering" and "Reveal", which update
    the row, wait for the answers in flight. Django has no FOR SHARE, hence the SQL.
    SQLite, whose transactions here take the database's write lock at once, needs no
    row lock.
    """
    table = connection.ops.quote_name(WorkshopItem._meta.db_table)
    sql = (
        f"SELECT deadline FROM {table} WHERE id = %s"  # noqa: S608 - our table
        " AND ((phase = %s AND (deadline IS NULL OR deadline >= %s)) OR closed_at >= %s)"
    )
    if connection.features.has_select_for_update:
        sql += " FOR SHARE"
    late = now - ANSWER_GRACE
    with connection.cursor() as cursor:
        cursor.execute(sql, [item.pk, WorkshopItem.Phase.OPEN.value, late, late])
        row = cursor.fetchone()
    if row is None:
        return False, None
    deadline = WorkshopItem._meta.get_field("deadline").to_python(row[0])
    if deadline is not None and timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline, datetime.UTC)
    return True, deadline


class Participant(models.Model):
    """Someone in the room, known by a display name; an account is optional."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("display name"), max_length=names.MAX_LENGTH)
    name_key = models.CharField(
        max_length=4 * names.MAX_LENGTH, help_text=_("The name folded: see workshops/names.py.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshop_participations",
        help_text=_("Set when the person was logged in as they joined."),
    )
    joined_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when the host took them out of the room.")
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "name_key"], name="participant_name_key_unique_in_workshop"
            ),
            models.UniqueConstraint(
                fields=["workshop", "user"],
                condition=Q(user__isnull=False),
                name="one_participant_per_account",
            ),
        ]

    def __str__(self):
        return f"{self.name} in {self.workshop.code}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def percent(self) -> int:
        """Whole percent of the questions asked (with_scores() annotates the parts)."""
        return scoring.whole_percent(scoring.as_fraction(self.score_sum), self.asked)

    def answer(self, item: WorkshopItem, *, choice_ids=(), placements=None, who="", action=None):
        """Store this participant's answer to `item`, scored by quiz's rules. (answer, created)

        A question takes `choice_ids` or `placements`; an incident card `who` acts and
        the first `action` (an IncidentAction of the card). The first answer stands: a
        second one, even from a racing request, returns the stored answer. Raises
        AnsweringClosedError unless answering is open and its deadline, if any, has not
        passed. Points (points.py) are counted on arrival.
        """
        if item.is_incident:
            score = item.incident.score(who, action)
        else:
            question = item.question
            key = classify_keys([question]).get(question.pk)
            score = question.score(choice_ids=choice_ids, placements=placements, classify_key=key)
        with transaction.atomic():
            now = timezone.now()
            is_open, deadline = _share_lock_if_open(item, now)
            if not is_open:
                raise AnsweringClosedError
            earned = points.points(
                scoring.as_fraction(score),
                seconds_left=(deadline - now).total_seconds() if deadline else None,
                time_limit=item.time_limit,
            )
            try:
                with transaction.atomic():
                    answer = LiveAnswer.objects.create(
                        participant=self,
                        item=item,
                        placements=placements or {},
                        who=who,
                        action=action,
                        score=score,
                        points=earned,
                        answered_at=now,
                    )
                    LiveAnswer.choices.through.objects.bulk_create(
                        LiveAnswer.choices.through(liveanswer=answer, choice_id=choice_id)
                        for choice_id in choice_ids
                    )
                    events.live_answer_given.send(LiveAnswer, answer=answer)
            except IntegrityError:
                return LiveAnswer.objects.get(participant=self, item=item), False
            push.announce(item.workshop_id, push.ANSWERS)
        return answer, True

    def answer_to(self, item: WorkshopItem) -> "LiveAnswer | None":
        return (
            self.answers.filter(item=item)
            .select_related("action")
            .prefetch_related("choices")
            .first()
        )


NO_ANSWER = "none"


def answer_signatures(workshop: Workshop, participant_id: int | None = None) -> dict[int, str]:
    """What each participant's page shows of their own: their answer to the item on
    screen, whether the host removed them, and, once the answer is revealed in a ranked
    workshop, its points and their total (their place follows from it).

    Two participants with the same signature see the same page; those missing here have
    not answered and show nothing of their own (NO_ANSWER). The whole room's, or one
    participant's: three queries.
    """
    answers = LiveAnswer.objects.filter(
        item__workshop=workshop, item__position=workshop.current_position
    )
    people = Participant.objects.filter(workshop=workshop)
    if participant_id is not None:
        answers = answers.filter(participant_id=participant_id)
        people = people.filter(pk=participant_id)
    ranked_now = (
        workshop.ranked
        and workshop.items.filter(
            position=workshop.current_position, phase=WorkshopItem.Phase.REVEALED
        ).exists()
    )
    rows = defaultdict(list)
    own = {}
    for participant, placed, who, action, choice, earned in answers.values_list(
        "participant_id", "placements", "who", "action_id", "choices", "points"
    ):
        # Points show only after the reveal, and only in a ranked room: otherwise equal
        # answers share a page.
        own[participant] = [placed, who, action, earned if ranked_now else None]
        if choice is not None:
            rows[participant].append(choice)
    if ranked_now:
        people = people.annotate(total=Coalesce(Sum("answers__points"), 0))
    else:
        # Those who answered as a subquery: a room's worth of ids as parameters cost
        # more to send and plan than the join.
        people = people.annotate(total=models.Value(0)).filter(
            Q(removed_at__isnull=False) | Q(pk__in=answers.values("participant_id"))
        )
    signatures = {}
    for participant, removed, total in people.values_list("pk", "removed_at", "total"):
        mine = own.get(participant)
        if removed is None and mine is None and not total:
            continue  # NO_ANSWER
        answer = [sorted(rows[participant]), *mine] if mine else None
        signatures[participant] = _signature(removed is not None, total, answer)
    return signatures


def _signature(removed: bool, total: int, answer: list | None) -> str:
    return json.dumps([removed, total, answer], sort_keys=True)


def answer_signature(participant_id: int, workshop: Workshop) -> str:
    """One participant's signature (answer_signatures)."""
    return answer_signatures(workshop, participant_id).get(participant_id, NO_ANSWER)


def new_answer_signature(answer: "LiveAnswer", choice_ids) -> str:
    """The signature (answer_signatures) of someone who has just given `answer` to the
    open item, without reading it back: they are not removed, and nothing is revealed
    while answering is open, so no points and no total show yet."""
    own = [sorted(choice_ids), answer.placements, answer.who, answer.action_id, None]
    return _signature(False, 0, own)


class LiveAnswerQuerySet(models.QuerySet):
    def counted(self):
        """The answers that count: not those of people the host removed."""
        return self.filter(participant__removed_at__isnull=True)


class LiveAnswer(ScoredAnswer):
    """One participant's answer to one question of a workshop, scored when given."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(WorkshopItem, on_delete=models.CASCADE, related_name="answers")
    choices = models.ManyToManyField(Choice, related_name="live_answers", blank=True)
    # An incident card's answer: who acts, and the first action.
    who = models.CharField(max_length=8, choices=Incident.Who.choices, blank=True)
    action = models.ForeignKey(
        IncidentAction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points = models.PositiveIntegerField(default=0, help_text=_("See workshops/points.py."))

    objects = LiveAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["answered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "item"], name="one_live_answer_per_item"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="live_answer_score_between_0_and_1"
            ),
        ]

    def __str__(self):
        return f"{self.participant}: {self.item}"


# Histograms --------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    count: int
    total: int
    is_right: bool
    owner: str = ""  # "aws", "customer" or "shared": drawn in that owner's colour

    @property
    def percent(self) -> int:
        return scoring.whole_percent(self.count, self.total)


@dataclass
class Tally:
    """How the room answered one question: counts, and a group of bars per part."""

    answered: int = 0
    full_marks: int = 0
    groups: list[tuple[str, list[Bar]]] = field(default_factory=list)

    @property
    def percent_right(self) -> int:
        return scoring.whole_percent(self.full_marks, self.answered)


def tally(items) -> dict[int, Tally]:
    """The answers to each question item, counted in the database.

    A choice question gets one group with a bar per choice (how many picked it); a
    classify question a group per layer with a bar per side; an incident card a group
    for who acts and one for the first action. At most eight queries, whatever the
    number of items and participants.
    """
    items = [item for item in items if item.takes_answers]
    if not items:
        return {}
    tallies = {item.pk: Tally() for item in items}
    for row in (
        LiveAnswer.objects.counted()
        .filter(item__in=items)
        .order_by()
        .values("item_id")
        .annotate(answered=Count("pk"), full_marks=Count("pk", filter=Q(score__gte=1)))
    ):
        tallies[row["item_id"]].answered = row["answered"]
        tallies[row["item_id"]].full_marks = row["full_marks"]
    questions = [item for item in items if item.is_question]
    choice_items = [item for item in questions if not item.question.is_classify]
    classify_items = [item for item in questions if item.question.is_classify]
    incident_items = [item for item in items if item.is_incident]
    if choice_items:
        _tally_choices(choice_items, tallies)
    if classify_items:
        _tally_placements(classify_items, tallies)
    if incident_items:
        _tally_incidents(incident_items, tallies)
    return tallies


# Who acts on an incident card, in the owners' colours of the diagrams.
WHO_OWNERS = {
    Incident.Who.AWS: Owner.AWS,
    Incident.Who.CUSTOMER: Owner.CUSTOMER,
    Incident.Who.BOTH: Owner.SHARED,
}


def _tally_incidents(items, tallies) -> None:
    counted = LiveAnswer.objects.counted().filter(item__in=items).order_by()

    def picked(field: str) -> Counter:
        """(item id, value of `field`) -> how many answers chose it: one query."""
        rows = counted.values("item_id", field).annotate(picked=Count("pk"))
        return Counter({(row["item_id"], row[field]): row["picked"] for row in rows})

    whos, actions_picked = picked("who"), picked("action_id")
    actions = defaultdict(list)
    for action in IncidentAction.objects.filter(incident__in={item.incident_id for item in items}):
        actions[action.incident_id].append(action)
    for item in items:
        total = tallies[item.pk].answered
        who_bars = [
            Bar(label, whos[item.pk, who], total, who == item.incident.who, WHO_OWNERS[who])
            for who, label in Incident.Who.choices
        ]
        action_bars = [
            Bar(action.text, actions_picked[item.pk, action.pk], total, action.is_correct)
            for action in incident_actions_in_order(item.incident, actions[item.incident_id])
        ]
        tallies[item.pk].groups = [
            (gettext("Who acts?"), who_bars),
            (gettext("The first action"), action_bars),
        ]


def incident_actions_in_order(incident: Incident, actions) -> list[IncidentAction]:
    """The card's actions in the order the room sees them on every screen: an order of
    the card's own, the same each time, so the right one is not always first."""
    ordered = sorted(actions, key=lambda action: action.pk)
    random.Random(incident.pk).shuffle(ordered)  # noqa: S311 - an order, not a secret
    return ordered


def _tally_choices(items, tallies) -> None:
    through = LiveAnswer.choices.through
    picks = {
        (row["liveanswer__item_id"], row["choice_id"]): row["picked"]
        for row in through.objects.filter(
            liveanswer__item__in=items, liveanswer__participant__removed_at__isnull=True
        )
        .order_by()
        .values("liveanswer__item_id", "choice_id")
        .annotate(picked=Count("pk"))
    }
    choices = defaultdict(list)
    for choice in Choice.objects.filter(question__in={item.question_id for item in items}):
        choices[choice.question_id].append(choice)
    for item in items:
        total = tallies[item.pk].answered
        bars = [
            Bar(choice.text, picks.get((item.pk, choice.pk), 0), total, choice.is_correct)
            for choice in sorted(choices[item.question_id], key=lambda c: (c.order, c.pk))
        ]
        tallies[item.pk].groups = [("", bars)]


def _tally_placements(items, tallies) -> None:
    questions = [item.question for item in items]
    keys = classify_keys(questions)
    names = layer_names(questions)
    # One row an answer: a room's worth of small JSON objects, counted here.
    placed = Counter()
    for item_id, placements in (
        LiveAnswer.objects.counted().filter(item__in=items).values_list("item_id", "placements")
    ):
        placed.update((item_id, slug, owner) for slug, owner in placements.items())
    for item in items:
        total = tallies[item.pk].answered
        tallies[item.pk].groups = [
            (
                names.get(slug, slug),
                [
                    Bar(Owner(owner).label, placed[item.pk, slug, owner], total, owner == right)
                    for owner in CLASSIFY_OWNERS
                ],
            )
            for slug, right in keys[item.question_id].items()
        ]


# Question statistics -----------------------------------------------------------------


def live_answer_counts(questions) -> dict:
    """Live answers of logged-in participants (not removed) to `questions`, for quiz's
    statistics (registered in apps.py through quiz.answer_sources). Three queries.

    Anonymous answers stay out: the statistics count answers from people the site knows,
    as its attempts do.
    """
    answers = LiveAnswer.objects.counted().filter(
        participant__user__isnull=False, item__question__in=questions
    )
    counts = defaultdict(AnswerCounts)
    for row in (
        answers.order_by()
        .values("item__question_id")
        .annotate(answered=Count("pk"), full_marks=Count("pk", filter=Q(score__gte=1)))
    ):
        counts[row["item__question_id"]].answered = row["answered"]
        counts[row["item__question_id"]].full_marks = row["full_marks"]
    for row in (
        LiveAnswer.choices.through.objects.filter(liveanswer__in=answers)
        .order_by()
        .values("liveanswer__item__question_id", "choice_id")
        .annotate(picked=Count("pk"))
    ):
        counts[row["liveanswer__item__question_id"]].picks[row["choice_id"]] = row["picked"]
    classify = [question.pk for question in questions if question.is_classify]
    for question_id, placements in answers.filter(item__question__in=classify).values_list(
        "item__question_id", "placements"
    ):
        counts[question_id].placements.update(placements.items())
    return dict(counts)
