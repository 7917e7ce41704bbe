"""Live workshops: a facilitator paces a room through a plan; participants answer by phone.

Everything a room needs lives in the database, so any number of app processes can serve
it. The rules that must hold when requests race are kept by the database:

- every host action runs under a lock on the workshop row and bumps its `version` in the
  same transaction (an F() update), so two clicks apply one after the other, and a
  participant's page learns of the change by comparing one number;
- an answer is stored under a lock on its item's row, so "Close answering" and an answer
  in flight are ordered: no answer lands after answering closed;
- one answer per participant per item, one participant per account, and display names
  unique within a workshop whatever their case, are constraints.
"""

import json
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Lower
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lessons import markdown
from lessons.models import Layer, Owner, Service
from quiz import scoring
from quiz.models import (
    CLASSIFY_OWNERS,
    Choice,
    Question,
    ScoredAnswer,
    classify_keys,
    layer_names,
)

# No 0/O, 1/I/L: a code read off a projector at the back of the room must be unambiguous.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
JOIN_CODE_DRAWS = 10
LEADERBOARD_SIZE = 10
# What the host's console can do; each is a Workshop method named with a leading "_".
HOST_ACTIONS = {
    "start": _("Start the workshop"),
    "previous": _("Previous"),
    "next": _("Next"),
    "open": _("Open answering"),
    "close": _("Close answering"),
    "reveal": _("Reveal the answer"),
    "show_leaderboard": _("Show the leaderboard"),
    "hide_leaderboard": _("Hide the leaderboard"),
    "end": _("End the workshop"),
}


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class ItemKind(models.TextChoices):
    SLIDE = "slide", _("Text slide")
    LAYER = "layer", _("Explorer layer")
    QUESTION = "question", _("Question")


class ItemContent(models.Model):
    """What one step of a plan or of a workshop shows: a slide, a layer, or a question."""

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

    class Meta:
        abstract = True
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    ~Q(title=""),
                    kind="slide",
                    service__isnull=True,
                    layer__isnull=True,
                    question__isnull=True,
                )
                | Q(
                    kind="layer",
                    service__isnull=False,
                    layer__isnull=False,
                    question__isnull=True,
                    title="",
                    body="",
                )
                | Q(
                    kind="question",
                    service__isnull=True,
                    layer__isnull=True,
                    question__isnull=False,
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
    """Someone in this workshop already goes by this name."""


class WorkshopQuerySet(models.QuerySet):
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
    version = models.PositiveIntegerField(
        default=1, help_text=_("Bumped by every host action; participants' pages poll it.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
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
            self.items.select_related("service", "layer", "question__step__lesson")
            .filter(position=self.current_position)
            .first()
        )

    # Host actions ------------------------------------------------------------------

    def control(self, action: str) -> None:
        """Carry out one of HOST_ACTIONS and bump the version, or raise ActionNotAllowedError."""
        if action not in HOST_ACTIONS:
            raise ValueError(f"unknown host action {action!r}")
        with transaction.atomic():
            # Two clicks, or two tabs of the host, apply one after the other, each to the
            # state the other left; answers wait on the item rows changed here.
            room = Workshop.objects.select_for_update().get(pk=self.pk)
            changes = getattr(room, f"_{action}")()
            Workshop.objects.filter(pk=self.pk).update(version=F("version") + 1, **changes)
        self.refresh_from_db()

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
        # Answers are taken only for the item on screen.
        self.items.filter(phase=WorkshopItem.Phase.OPEN).update(phase=WorkshopItem.Phase.CLOSED)
        return {"current_position": target.position}

    def _next(self) -> dict:
        return self._move(later=True)

    def _previous(self) -> dict:
        return self._move(later=False)

    def _current_question(self) -> "WorkshopItem":
        self._require_running()
        item = self.items.get(position=self.current_position)
        if not item.is_question:
            raise ActionNotAllowedError(gettext("The item on screen is not a question."))
        return item

    def _set_phase(self, allowed_from, phase, refusal) -> dict:
        item = self._current_question()
        if item.phase not in allowed_from:
            raise ActionNotAllowedError(refusal)
        item.phase = phase
        if phase == WorkshopItem.Phase.OPEN and item.opened_at is None:
            item.opened_at = timezone.now()
        item.save(update_fields=["phase", "opened_at"])
        return {}

    def _open(self) -> dict:
        Phase = WorkshopItem.Phase
        return self._set_phase(
            [Phase.READY, Phase.CLOSED],
            Phase.OPEN,
            gettext("Answering cannot open now: it is open already, or the answer is revealed."),
        )

    def _close(self) -> dict:
        Phase = WorkshopItem.Phase
        return self._set_phase(
            [Phase.OPEN], Phase.CLOSED, gettext("Answering is not open, so it cannot close.")
        )

    def _reveal(self) -> dict:
        Phase = WorkshopItem.Phase
        return self._set_phase(
            [Phase.READY, Phase.OPEN, Phase.CLOSED],
            Phase.REVEALED,
            gettext("The answer is already revealed."),
        )

    def _show_leaderboard(self) -> dict:
        return {"show_leaderboard": True}

    def _hide_leaderboard(self) -> dict:
        return {"show_leaderboard": False}

    def _end(self) -> dict:
        if self.is_ended:
            raise ActionNotAllowedError(gettext("The workshop has ended."))
        self.items.filter(phase=WorkshopItem.Phase.OPEN).update(phase=WorkshopItem.Phase.CLOSED)
        return {"state": self.State.ENDED, "ended_at": timezone.now()}

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

        Raises NameTakenError when the name is in use here (in any case), also when two
        people pick it at the same moment: the constraint decides who had it first.
        """
        if user is not None:
            mine = self.participants.filter(user=user).first()
            if mine:
                return mine
        try:
            with transaction.atomic():
                return self.participants.create(name=name, user=user)
        except IntegrityError:
            if user is not None and (mine := self.participants.filter(user=user).first()):
                return mine  # the same account joined from two devices at once
            if self.participants.filter(name__iexact=name).exists():
                raise NameTakenError from None
            raise

    # Counts and results ------------------------------------------------------------

    def participant_count(self) -> int:
        return self.participants.count()

    def leaderboard(self) -> list["Participant"]:
        return list(
            self.participants.with_scores().order_by("-points", Lower("name"))[:LEADERBOARD_SIZE]
        )


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

    class Meta(ItemContent.Meta):
        constraints = [
            *ItemContent.Meta.constraints,
            models.UniqueConstraint(
                fields=["workshop", "position"], name="workshop_item_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="question") | Q(phase="ready", opened_at__isnull=True),
                name="only_questions_take_answers",
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

    def choices_in_order(self) -> list[Choice]:
        """The question's choices as everyone in the room sees them: the file's order."""
        return list(self.question.choices.order_by("order", "pk"))


class ParticipantQuerySet(models.QuerySet):
    def with_scores(self):
        """`answered`, `points` (sum of scores) and `asked` (questions opened)."""
        asked = (
            WorkshopItem.objects.filter(workshop=OuterRef("workshop"), opened_at__isnull=False)
            .order_by()
            .values("workshop")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return self.annotate(
            answered=Count("answers"),
            points=Coalesce(Sum("answers__score"), 0.0),
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


def _share_lock_if_open(item: WorkshopItem) -> bool:
    """Whether `item` takes answers; if so, hold a shared lock on its row until commit.

    Answers to one question run side by side, while "Close answering" and "Reveal",
    which update the row, wait for the answers in flight; an answer that comes after
    them sees the item closed. Django has no FOR SHARE, hence the SQL. SQLite, whose
    transactions here take the database's write lock at once, needs no row lock.
    """
    table = connection.ops.quote_name(WorkshopItem._meta.db_table)
    sql = f"SELECT 1 FROM {table} WHERE id = %s AND phase = %s"  # noqa: S608 - our table
    if connection.features.has_select_for_update:
        sql += " FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [item.pk, WorkshopItem.Phase.OPEN.value])
        return cursor.fetchone() is not None


class Participant(models.Model):
    """Someone in the room, known by a display name; an account is optional."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("display name"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshop_participations",
        help_text=_("Set when the person was logged in as they joined."),
    )
    joined_at = models.DateTimeField(default=timezone.now)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), F("workshop"), name="participant_name_unique_in_workshop"
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
    def percent(self) -> int:
        """Whole percent of the questions asked (with_scores() annotates the parts)."""
        return scoring.whole_percent(scoring.as_fraction(self.points), self.asked)

    def answer(self, item: WorkshopItem, *, choice_ids=(), placements=None):
        """Store this participant's answer to `item`, scored by quiz's rules. (answer, created)

        The first answer stands: a second one, even from a racing request, returns the
        stored answer. Raises AnsweringClosedError unless answering is open.
        """
        question = item.question
        key = classify_keys([question]).get(question.pk)
        score = question.score(choice_ids=choice_ids, placements=placements, classify_key=key)
        with transaction.atomic():
            if not _share_lock_if_open(item):
                raise AnsweringClosedError
            try:
                with transaction.atomic():
                    answer = LiveAnswer.objects.create(
                        participant=self, item=item, placements=placements or {}, score=score
                    )
                    LiveAnswer.choices.through.objects.bulk_create(
                        LiveAnswer.choices.through(liveanswer=answer, choice_id=choice_id)
                        for choice_id in choice_ids
                    )
            except IntegrityError:
                return LiveAnswer.objects.get(participant=self, item=item), False
        return answer, True

    def answer_to(self, item: WorkshopItem) -> "LiveAnswer | None":
        return self.answers.filter(item=item).prefetch_related("choices").first()


def answer_signature(participant_id: int, workshop: Workshop) -> str:
    """What the participant's page shows of their own answer to the item on screen.

    Two participants with the same signature see the same page. One query.
    """
    rows = list(
        LiveAnswer.objects.filter(
            participant_id=participant_id,
            item__workshop=workshop,
            item__position=workshop.current_position,
        ).values_list("placements", "choices")
    )
    if not rows:
        return "none"
    choices = sorted(choice for _placements, choice in rows if choice is not None)
    return json.dumps([choices, rows[0][0]], sort_keys=True)


class LiveAnswer(ScoredAnswer):
    """One participant's answer to one question of a workshop, scored when given."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(WorkshopItem, on_delete=models.CASCADE, related_name="answers")
    choices = models.ManyToManyField(Choice, related_name="live_answers", blank=True)

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
    classify question a group per layer with a bar per side. At most six queries,
    whatever the number of items and participants.
    """
    items = [item for item in items if item.is_question]
    if not items:
        return {}
    tallies = {item.pk: Tally() for item in items}
    for row in (
        LiveAnswer.objects.filter(item__in=items)
        .order_by()
        .values("item_id")
        .annotate(answered=Count("pk"), full_marks=Count("pk", filter=Q(score__gte=1)))
    ):
        tallies[row["item_id"]].answered = row["answered"]
        tallies[row["item_id"]].full_marks = row["full_marks"]
    choice_items = [item for item in items if not item.question.is_classify]
    classify_items = [item for item in items if item.question.is_classify]
    if choice_items:
        _tally_choices(choice_items, tallies)
    if classify_items:
        _tally_placements(classify_items, tallies)
    return tallies


def _tally_choices(items, tallies) -> None:
    through = LiveAnswer.choices.through
    picks = {
        (row["liveanswer__item_id"], row["choice_id"]): row["picked"]
        for row in through.objects.filter(liveanswer__item__in=items)
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
    for item_id, placements in LiveAnswer.objects.filter(item__in=items).values_list(
        "item_id", "placements"
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


# Access ------------------------------------------------------------------------------


def get_workshop_for_host(user, code: str) -> Workshop:
    """The workshop with this code if `user` hosts it: 404 if none, 403 for anyone else."""
    workshop = get_object_or_404(Workshop, code=code)
    if workshop.host_id != user.pk:
        raise PermissionDenied
    return workshop


def get_item_for_host(workshop: Workshop, item_id: int) -> WorkshopItem:
    return get_object_or_404(
        WorkshopItem.objects.select_related("service", "layer", "question"),
        pk=item_id,
        workshop=workshop,
    )
