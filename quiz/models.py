"""Questions, quizzes, the attempts that record a learner's answers, and certificates.

Rules that must hold even when two requests race (a double click, two tabs, two devices)
are kept by the database, not only by this code:

- one open attempt per learner and quiz (a partial unique index), so "Start" resumes;
- one answer per question in an attempt (a unique constraint), so the first answer
  stands and a second changes nothing;
- a submitted attempt is submitted once (a conditional UPDATE ... WHERE the attempt is
  still open), and answers are recorded and attempts submitted under a lock on the
  attempt row, so no answer slips in after the score was taken;
- an exam's deadline is checked under that same lock, so an answer that arrives late is
  refused even if it raced the clock;
- a passing exam attempt issues its certificate in the transaction that submits it,
  and one attempt has at most one certificate (a unique constraint).
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from lessons import markdown
from lessons.models import Course, Layer, Lesson, Owner, Responsibility, Service, Step

from . import eligibility, scoring

# The two sides a classify question sorts layers into; "shared" is never asked.
CLASSIFY_OWNERS = [Owner.AWS, Owner.CUSTOMER]


class QuestionQuerySet(models.QuerySet):
    def statistics(self) -> list["QuestionStats"]:
        """For authors: how each active question fares, least often right first.

        Per question: answers given, the percent with full marks, and how often each
        wrong choice was picked (classify: how often each layer was put on the wrong
        side). Four queries, aggregated in the database, whatever the number of answers.
        """
        questions = list(
            self.filter(retired=False)
            .select_related("lesson")
            .annotate(
                answered=Count("answers"),
                full_marks=Count("answers", filter=Q(answers__score__gte=1)),
            )
        )
        wrong_picks = defaultdict(list)
        for choice in (
            Choice.objects.filter(question__in=questions, is_correct=False)
            .annotate(picked=Count("answers"))
            .order_by("question_id", "order")
        ):
            wrong_picks[choice.question_id].append((choice.text, choice.picked))
        misplaced = _misplaced_layers([q for q in questions if q.is_classify])
        rows = [
            QuestionStats(
                question=question,
                answered=question.answered,
                percent_correct=(
                    scoring.whole_percent(question.full_marks, question.answered)
                    if question.answered
                    else None
                ),
                wrong=misplaced[question.pk] if question.is_classify else wrong_picks[question.pk],
            )
            for question in questions
        ]
        rows.sort(key=lambda row: (row.percent_correct is None, row.percent_correct or 0))
        return rows


def _misplaced_layers(questions) -> dict[int, list[tuple[str, int]]]:
    """Classify questions: per layer, how many answers put it on the wrong side."""
    if not questions:
        return {}
    slugs = sorted({slug for question in questions for slug in question.classify_layers})
    counts = {
        f"l{index}_{owner}": Count("pk", filter=Q(**{f"placements__{slug}": owner}))
        for index, slug in enumerate(slugs)
        for owner in CLASSIFY_OWNERS
    }
    placed = {
        row["question_id"]: row
        for row in Answer.objects.filter(question__in=questions)
        .order_by()
        .values("question_id")
        .annotate(**counts)
    }
    keys = classify_keys(questions)
    names = layer_names(questions)
    misplaced = {}
    for question in questions:
        row = placed.get(question.pk, {})
        misplaced[question.pk] = [
            (
                names.get(slug, slug),
                sum(
                    row.get(f"l{slugs.index(slug)}_{owner}", 0)
                    for owner in CLASSIFY_OWNERS
                    if owner != right
                ),
            )
            for slug, right in keys[question.pk].items()
        ]
    return misplaced


@dataclass
class QuestionStats:
    question: "Question"
    answered: int
    percent_correct: int | None
    wrong: list[tuple[str, int]]


class Question(models.Model):
    """One question of the bank. Loaded from quiz/content/questions; never deleted.

    A question removed from the files is retired: new attempts no longer draw it, and
    old attempts that asked it stay reviewable.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple select")
        TRUE_FALSE = "true_false", _("True or false")
        CLASSIFY = "classify", _("Classify layers")

    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    lesson = models.ForeignKey(
        Lesson, null=True, on_delete=models.SET_NULL, related_name="questions"
    )
    step = models.ForeignKey(
        Step,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The step that teaches the answer."),
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    layer = models.ForeignKey(
        Layer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompt = models.TextField(help_text=_("Markdown."))
    explanation = models.TextField(help_text=_("Markdown: why the right answer is right."))
    classify_layers = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Classify only: the layer slugs to sort, in order. The answer key is the "
            "service's responsibilities, so it always agrees with the explorer."
        ),
    )
    order = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(
        default=False,
        help_text=_("No longer in the content files; kept so old attempts stay reviewable."),
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["single", "multiple", "true_false", "classify"]),
                name="question_kind_is_known",
            )
        ]

    def __str__(self):
        return self.slug

    @property
    def prompt_html(self):
        return markdown.render(self.prompt)

    @property
    def explanation_html(self):
        return markdown.render(self.explanation)

    @property
    def is_classify(self) -> bool:
        return self.kind == self.Kind.CLASSIFY

    @cached_property
    def classify_key(self) -> dict[str, str]:
        """Classify: layer slug to its owner on the question's service (one query)."""
        return classify_keys([self]).get(self.pk, {})

    def score(self, *, choice_ids=(), placements=None, classify_key=None) -> float:
        """Score a selection already checked to belong to this question (see quiz.forms).

        Choice questions use the prefetched choices; classify needs its key.
        """
        if self.is_classify:
            return float(scoring.score_classify(placements or {}, classify_key))
        correct = [choice.pk for choice in self.choices.all() if choice.is_correct]
        if self.kind == self.Kind.MULTIPLE:
            return float(scoring.score_multiple(choice_ids, correct))
        (picked,) = choice_ids
        (right,) = correct
        return float(scoring.score_single(picked, right))


def classify_keys(questions) -> dict[int, dict[str, str]]:
    """The answer key of each classify question: layer slug to owner, in one query."""
    questions = [question for question in questions if question.is_classify]
    if not questions:
        return {}
    owners = {
        (service_id, layer_slug): owner
        for service_id, layer_slug, owner in Responsibility.objects.filter(
            service_id__in={question.service_id for question in questions}
        ).values_list("service_id", "layer__slug", "owner")
    }
    return {
        question.pk: {
            slug: owners[(question.service_id, slug)] for slug in question.classify_layers
        }
        for question in questions
    }


def layer_names(questions) -> dict[str, str]:
    """Names of the layers the classify questions among `questions` ask about."""
    slugs = {slug for question in questions for slug in question.classify_layers}
    if not slugs:
        return {}
    return dict(Layer.objects.filter(slug__in=slugs).values_list("slug", "name"))


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(
        blank=True, help_text=_("Markdown: why this choice is right or wrong.")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "text"], name="choice_text_unique")
        ]

    def __str__(self):
        return self.text

    @property
    def feedback_html(self):
        return markdown.render(self.feedback)


class QuizQuerySet(models.QuerySet):
    def available(self):
        # An exam runs on its settings; one without them (half made in the admin) is hidden.
        return self.filter(retired=False).exclude(mode=Quiz.Mode.EXAM, exam__isnull=True)

    def practice(self):
        """The practice quizzes a learner can take now."""
        return self.available().filter(mode=Quiz.Mode.PRACTICE)

    def with_question_counts(self):
        """`question_total`: how many active questions the quiz draws from."""
        active = (
            Quiz.questions.through.objects.filter(quiz=OuterRef("pk"), question__retired=False)
            .order_by()
            .values("quiz")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return self.annotate(question_total=Coalesce(Subquery(active), 0))

    def with_best_scores_for(self, user):
        """`best_score` (None before a first submitted attempt) and `attempt_count`."""
        mine = Attempt.objects.filter(quiz=OuterRef("pk"), user=user).order_by().values("quiz")
        best = mine.filter(status=Attempt.Status.SUBMITTED).annotate(best=Max("score"))
        count = mine.annotate(count=Count("pk"))
        return self.annotate(
            best_score=Subquery(best.values("best")),
            attempt_count=Coalesce(Subquery(count.values("count")), 0),
        )


class Quiz(models.Model):
    """A set of questions taken as one attempt. Practice quizzes derive from the bank.

    `load_content` makes one per lesson (slug = the lesson's slug) and the course review.
    """

    class Mode(models.TextChoices):
        PRACTICE = "practice", _("Practice")
        EXAM = "exam", _("Exam")

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="quizzes"
    )
    questions = models.ManyToManyField(Question, related_name="quizzes", blank=True)
    question_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("How many questions each attempt draws; empty means all of them."),
    )
    order = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(default=False)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        verbose_name_plural = "quizzes"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("quiz:detail", args=[self.slug])

    @property
    def is_exam(self) -> bool:
        return self.mode == self.Mode.EXAM

    @property
    def is_ready(self) -> bool:
        """Enough active questions to start (needs `with_question_counts`).

        An exam draws exactly its question_count, so its pool must hold that many.
        """
        if self.is_exam:
            return self.question_total >= (self.question_count or 1)
        return self.question_total > 0

    def draw_layout(self, rng=None) -> list[dict]:
        """Pick and shuffle this attempt's questions and each question's choices.

        A sample (question_count) is spread across lessons, so a course review covers
        the whole course. True/false keeps "True" before "False".
        """
        rng = rng or secrets.SystemRandom()
        questions = list(
            self.questions.filter(retired=False)
            .order_by("pk")
            .prefetch_related(models.Prefetch("choices", Choice.objects.order_by("pk")))
        )
        if self.question_count and self.question_count < len(questions):
            questions = _spread_across_lessons(questions, self.question_count, rng)
        rng.shuffle(questions)
        layout = []
        for question in questions:
            choice_ids = [choice.pk for choice in question.choices.all()]
            if question.kind != Question.Kind.TRUE_FALSE:
                rng.shuffle(choice_ids)
            else:
                choice_ids = [c.pk for c in sorted(question.choices.all(), key=_true_first)]
            layout.append({"question": question.pk, "choices": choice_ids})
        return layout


def _true_first(choice):
    return choice.text != "True"


def _spread_across_lessons(questions, count, rng):
    """Deal `count` questions round-robin from each lesson's shuffled pile."""
    piles = defaultdict(list)
    for question in questions:
        piles[question.lesson_id].append(question)
    piles = list(piles.values())
    for pile in piles:
        rng.shuffle(pile)
    rng.shuffle(piles)
    drawn = []
    while len(drawn) < count:
        for pile in piles:
            if pile and len(drawn) < count:
                drawn.append(pile.pop())
    return drawn


class AttemptClosedError(Exception):
    """The attempt was submitted: its answers can no longer change."""


class AttemptExpiredError(AttemptClosedError):
    """The exam's time ran out: the attempt was closed and scored as it stood."""


class ExamRefusedError(Exception):
    """The exam's rules do not allow a start now; `eligibility` says why and until when."""

    def __init__(self, eligibility: eligibility.Eligibility):
        super().__init__(eligibility.reason)
        self.eligibility = eligibility


class PracticeSummary(NamedTuple):
    attempts: int  # any attempt at an available practice quiz, open or submitted
    quizzes_done: int  # distinct available practice quizzes with a submitted attempt
    best_score: int | None  # highest submitted practice score, whole percent


class AttemptQuerySet(models.QuerySet):
    def practice_summaries(self, user_ids) -> dict[int, PracticeSummary]:
        """Each user's practice record, in one query for any number of users.

        `user_ids` may be a list or a queryset of ids; users with no attempt are absent.
        """
        submitted = Q(status=Attempt.Status.SUBMITTED)
        rows = (
            self.filter(user_id__in=user_ids, quiz__in=Quiz.objects.practice())
            .order_by()
            .values("user_id")
            .annotate(
                attempts=Count("pk"),
                quizzes_done=Count("quiz", distinct=True, filter=submitted),
                best_score=Max("score", filter=submitted),
            )
        )
        fields = PracticeSummary._fields
        return {row["user_id"]: PracticeSummary(*(row[f] for f in fields)) for row in rows}

    def records_for(self, user):
        """Every attempt of `user`, newest first, with its quiz: one query."""
        return self.filter(user=user).select_related("quiz").order_by("-started_at", "-pk")

    def start(self, user, quiz) -> tuple["Attempt", bool]:
        """Resume the learner's open attempt at `quiz`, or start one. (attempt, created)

        Two clicks on "Start" race; the partial unique index lets only one open attempt
        exist, and the loser resumes the winner's. An exam attempt past its deadline is
        closed first; a new one must be allowed by the exam's rules, else this raises
        ExamRefusedError. Its questions are drawn now and its deadline fixed.
        """
        now = timezone.now()
        open_attempts = self.select_related("quiz__exam").filter(
            user=user, quiz=quiz, status=Attempt.Status.IN_PROGRESS
        )
        existing = open_attempts.first()
        if existing and not existing.close_if_expired(now):
            return existing, False
        fields = {"user": user, "quiz": quiz, "started_at": now}
        if quiz.is_exam:
            verdict = quiz.exam.eligibility_for(user, now)
            if not verdict.allowed:
                raise ExamRefusedError(verdict)
            fields["deadline"] = now + quiz.exam.time_limit
        try:
            with transaction.atomic():
                return self.create(layout=quiz.draw_layout(), **fields), True
        except IntegrityError:
            return open_attempts.get(), False

    def close_expired(self, now=None) -> int:
        """Close and score every open exam attempt past its deadline. How many closed.

        Idempotent: each attempt is closed under its row lock, so this is safe from cron
        while learners are still touching their attempts.
        """
        now = now or timezone.now()
        expired = self.select_related("quiz__exam", "user").filter(
            status=Attempt.Status.IN_PROGRESS, deadline__lt=now
        )
        return sum(attempt.submit(now) for attempt in expired)


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.IN_PROGRESS)
    layout = models.JSONField(
        help_text=_(
            "Fixed when the attempt starts: the questions in order, each with its "
            'choices in order, as [{"question": id, "choices": [id, ...]}, ...].'
        )
    )
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Whole percent, set on submit.")
    )
    deadline = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Exams: set at the start; no answer is taken after it."),
    )
    passed = models.BooleanField(
        null=True, blank=True, help_text=_("Exams: whether the score reached the pass mark.")
    )

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["user", "quiz", "-started_at"]),
            # close_expired_attempts looks for open exam attempts past their deadline.
            models.Index(
                fields=["deadline"],
                condition=Q(status="in_progress", deadline__isnull=False),
                name="open_attempt_deadline",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(status="in_progress"),
                name="one_open_attempt_per_quiz",
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", submitted_at__isnull=True, score__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False, score__isnull=False),
                name="submitted_attempt_has_time_and_score",
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="score_is_a_percent"),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(passed__isnull=True),
                name="open_attempt_has_no_verdict",
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.quiz} ({self.started_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("quiz:attempt", args=[self.pk])

    def get_review_url(self):
        return reverse("quiz:review", args=[self.pk])

    def question_url(self, position: int) -> str:
        return reverse("quiz:question", args=[self.pk, position])

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def is_past_deadline(self, now: datetime) -> bool:
        return self.deadline is not None and now > self.deadline

    @property
    def is_expired(self) -> bool:
        """Open, but its time is up: the next touch closes it."""
        return not self.is_submitted and self.is_past_deadline(timezone.now())

    @property
    def timed_out(self) -> bool:
        """Closed by its deadline rather than by the learner."""
        return (
            self.is_submitted and self.deadline is not None and self.submitted_at >= self.deadline
        )

    def seconds_left(self, now=None) -> int:
        return max(int((self.deadline - (now or timezone.now())).total_seconds()), 0)

    def close_if_expired(self, now=None) -> bool:
        """Score an exam attempt left open past its deadline. True if it is closed now."""
        now = now or timezone.now()
        if self.is_submitted or not self.is_past_deadline(now):
            return self.is_submitted
        self.submit(now)
        return True

    @property
    def question_total(self) -> int:
        return len(self.layout)

    def question_at(self, position: int) -> tuple[Question, list[Choice]]:
        """The question at 1-based `position` and its choices in this attempt's order.

        Two queries. Raises Http404 for a position outside the attempt.
        """
        if not 1 <= position <= len(self.layout):
            raise Http404("No such question in this attempt")
        entry = self.layout[position - 1]
        question = get_object_or_404(
            Question.objects.select_related("step__lesson").prefetch_related("choices"),
            pk=entry["question"],
        )
        return question, _in_order(question.choices.all(), entry["choices"])

    @cached_property
    def answered_question_ids(self) -> set[int]:
        return set(self.answers.values_list("question_id", flat=True))

    def next_unanswered_position(self, after: int = 0) -> int | None:
        """The first unanswered position after `after`, else the first one at all."""
        unanswered = [
            position
            for position, entry in enumerate(self.layout, start=1)
            if entry["question"] not in self.answered_question_ids
        ]
        later = [position for position in unanswered if position > after]
        return (later or unanswered or [None])[0]

    def answer_to(self, question: Question) -> "Answer | None":
        if question.pk not in self.answered_question_ids:
            return None
        return self.answers.prefetch_related("choices").get(question=question)

    def record_answer(self, question: Question, *, choice_ids=(), placements=None):
        """Store the learner's answer to `question` with its score. (answer, created)

        The first answer stands: a second one, even in a racing request, returns the
        stored answer unchanged. Raises AttemptClosedError once the attempt is submitted,
        and AttemptExpiredError (after closing the attempt) once its deadline has passed.
        """
        score = question.score(
            choice_ids=choice_ids, placements=placements, classify_key=question.classify_key
        )
        with transaction.atomic():
            # The row lock orders this against submit() and other answers to this attempt.
            locked = Attempt.objects.select_for_update().get(pk=self.pk)
            if locked.is_submitted:
                raise AttemptClosedError
            now = timezone.now()
            expired = locked.is_past_deadline(now)
            if expired:
                self._close(now)
            else:
                try:
                    with transaction.atomic():
                        answer = Answer.objects.create(
                            attempt=self,
                            question=question,
                            placements=placements or {},
                            score=score,
                            answered_at=now,
                        )
                        answer.choices.add(*choice_ids)
                except IntegrityError:
                    # The unique constraint keeps the first answer; this one changes nothing.
                    return Answer.objects.get(attempt=self, question=question), False
        # Raised only now, so that the close above is committed, not rolled back.
        if expired:
            raise AttemptExpiredError
        if "answered_question_ids" in self.__dict__:
            self.answered_question_ids.add(question.pk)
        return answer, True

    def submit(self, now=None) -> bool:
        """Close the attempt and fix its score. False if it was already submitted.

        An exam attempt also gets its verdict, and a pass its certificate. Closed after
        its deadline, it counts as finished at the deadline, with the answers given by then.
        """
        with transaction.atomic():
            locked = Attempt.objects.select_for_update().get(pk=self.pk)
            if locked.is_submitted:
                return False
            return self._close(now or timezone.now())

    def _close(self, now: datetime) -> bool:
        """Score and close; call under the row lock."""
        scores = Answer.objects.filter(attempt=self).values_list("score", flat=True)
        fields = {
            "status": self.Status.SUBMITTED,
            "submitted_at": min(now, self.deadline) if self.deadline else now,
            "score": scoring.attempt_percent(scores, self.question_total),
        }
        if self.quiz.is_exam:
            fields["passed"] = scoring.passes(fields["score"], self.quiz.exam.pass_mark)
        # Conditional: a concurrent submit that got here first leaves nothing to do.
        changed = Attempt.objects.filter(pk=self.pk, status=self.Status.IN_PROGRESS).update(
            **fields
        )
        if changed:
            for name, value in fields.items():
                setattr(self, name, value)
            if self.passed:
                Certificate.objects.issue(self)
        return bool(changed)

    def lessons_to_review(self) -> list["LessonToReview"]:
        """Lessons behind the questions that missed marks (unanswered ones included).

        Only counts: which answers were wrong stays private, so an exam pool can be
        used again. Two queries.
        """
        questions = Question.objects.select_related("lesson").in_bulk(
            [entry["question"] for entry in self.layout]
        )
        full_marks = {
            question_id
            for question_id, score in self.answers.values_list("question_id", "score")
            if scoring.is_full_marks(score)
        }
        rows = {}
        for question in questions.values():
            if question.lesson is None:
                continue
            row = rows.setdefault(question.lesson_id, LessonToReview(question.lesson, 0, 0))
            row.asked += 1
            row.missed += question.pk not in full_marks
        return sorted(
            (row for row in rows.values() if row.missed), key=lambda row: row.lesson.order
        )

    def feedback_for(self, position, question, choices, answer, names) -> "ReviewItem":
        """One answered question with its key, for the feedback shown at once."""
        return ReviewItem(
            position=position,
            question=question,
            choices=choices,
            answer=answer,
            classify_key=question.classify_key,
            layer_names=names,
        )

    def review_items(self) -> list["ReviewItem"]:
        """Every question of the attempt with the learner's answer and the key.

        A fixed number of queries, whatever the number of questions.
        """
        questions = Question.objects.select_related("step__lesson").prefetch_related("choices")
        questions = questions.in_bulk([entry["question"] for entry in self.layout])
        answers = {
            answer.question_id: answer
            for answer in self.answers.prefetch_related(
                models.Prefetch("choices", Choice.objects.only("pk"))
            )
        }
        keys = classify_keys(questions.values())
        names = layer_names(questions.values())
        return [
            ReviewItem(
                position=position,
                question=questions[entry["question"]],
                choices=_in_order(questions[entry["question"]].choices.all(), entry["choices"]),
                answer=answers.get(entry["question"]),
                classify_key=keys.get(entry["question"], {}),
                layer_names=names,
            )
            for position, entry in enumerate(self.layout, start=1)
        ]


def _in_order(choices, ids: list[int]) -> list[Choice]:
    """`choices` in the order of `ids`; any choice since removed from the file is left out."""
    by_id = {choice.pk: choice for choice in choices}
    return [by_id[pk] for pk in ids if pk in by_id]


@dataclass
class LessonToReview:
    lesson: Lesson
    missed: int  # questions from this lesson without full marks
    asked: int


def get_attempt_for(user, attempt_id: int) -> Attempt:
    """The learner's own attempt, or 404: nobody sees another learner's attempts."""
    return get_object_or_404(
        Attempt.objects.select_related("quiz__exam"), pk=attempt_id, user=user
    )


class ScoredAnswer(models.Model):
    """An answer to a question of the bank, scored when given: here, or in a workshop.

    The concrete model adds what it answers and its `choices` (a many-to-many to Choice).
    """

    placements = models.JSONField(
        default=dict, blank=True, help_text=_("Classify: layer slug to the owner chosen.")
    )
    score = models.FloatField(help_text=_("From 0 to 1, by quiz.scoring."))
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @property
    def is_correct(self) -> bool:
        return scoring.is_full_marks(self.score)

    @property
    def percent(self) -> int:
        return scoring.whole_percent(scoring.as_fraction(self.score), 1)


class Answer(ScoredAnswer):
    """A learner's answer to one question of one attempt, scored when given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choices = models.ManyToManyField(Choice, related_name="answers", blank=True)

    class Meta:
        ordering = ["answered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="answer_score_between_0_and_1"
            ),
        ]

    def __str__(self):
        return f"{self.attempt}: {self.question}"


@dataclass
class ReviewItem:
    """One question as the learner saw it, with what they answered and the key."""

    position: int
    question: Question
    choices: list[Choice]
    answer: Answer | None
    classify_key: dict[str, str]
    layer_names: dict[str, str]

    @cached_property
    def picked_ids(self) -> set[int]:
        return {choice.pk for choice in self.answer.choices.all()} if self.answer else set()

    @property
    def choice_rows(self):
        return [(choice, choice.pk in self.picked_ids) for choice in self.choices]

    @property
    def layer_rows(self) -> list[dict]:
        """Each classified layer: its name, the owner chosen (if any) and the right one."""
        placed = self.answer.placements if self.answer else {}
        return [
            {
                "name": self.layer_names.get(slug, slug),
                "chosen": Owner(placed[slug]).label if slug in placed else "",
                "right": Owner(owner).label,
                "is_right": placed.get(slug) == owner,
            }
            for slug, owner in self.classify_key.items()
        ]


class ExamSettings(models.Model):
    """The rules of an exam. Loaded from quiz/content/exams/<slug>.yaml; editable in admin.

    The quiz holds the pool (its questions) and how many each attempt draws
    (question_count); these are the rest.
    """

    quiz = models.OneToOneField(Quiz, on_delete=models.CASCADE, related_name="exam")
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The course named on the certificates."),
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        help_text=_("Counted on the server from the start of each attempt.")
    )
    pass_mark = models.PositiveSmallIntegerField(
        help_text=_("Whole percent, 1 to 100: a score at least this high passes.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        help_text=_("Attempts allowed within one validity period; a pass starts the count afresh.")
    )
    cooldown_hours = models.PositiveSmallIntegerField(
        help_text=_("Hours to wait after an attempt before the next one; 0 for none.")
    )
    validity_days = models.PositiveSmallIntegerField(
        help_text=_("How long a certificate stays valid after it is issued.")
    )
    renewal_window_days = models.PositiveSmallIntegerField(
        help_text=_("Renewal is offered this many days before a certificate expires.")
    )

    class Meta:
        verbose_name = _("exam settings")
        verbose_name_plural = _("exam settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100),
                name="pass_mark_is_1_to_100",
                violation_error_message=_("The pass mark is a percent from 1 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__gte=1, max_attempts__gte=1, validity_days__gte=1),
                name="exam_limits_are_positive",
                violation_error_message=_(
                    "The time limit, the attempts and the validity must each be at least 1."
                ),
            ),
            models.CheckConstraint(
                condition=Q(renewal_window_days__lt=models.F("validity_days")),
                name="renewal_opens_before_expiry",
                violation_error_message=_(
                    "Make the renewal window shorter than the validity, so that renewal "
                    "opens before the certificate expires."
                ),
            ),
        ]

    def __str__(self):
        return str(self.quiz)

    @property
    def time_limit(self) -> timedelta:
        return timedelta(minutes=self.time_limit_minutes)

    @property
    def validity(self) -> timedelta:
        return timedelta(days=self.validity_days)

    @property
    def rules(self) -> eligibility.Rules:
        return eligibility.Rules(
            max_attempts=self.max_attempts,
            cooldown=timedelta(hours=self.cooldown_hours),
            validity=self.validity,
            renewal_window=timedelta(days=self.renewal_window_days),
        )

    def eligibility_for(self, user, now: datetime) -> eligibility.Eligibility:
        """May `user` start this exam at `now`? Two queries."""
        finished = [
            eligibility.FinishedAttempt(started_at, finished_at, bool(passed))
            for started_at, finished_at, passed in Attempt.objects.filter(
                user=user, quiz=self.quiz, status=Attempt.Status.SUBMITTED
            ).values_list("started_at", "submitted_at", "passed")
        ]
        valid_until = (
            Certificate.objects.filter(user=user, quiz=self.quiz)
            .valid_at(now)
            .aggregate(until=Max("expires_at"))["until"]
        )
        return eligibility.check(self.rules, finished, valid_until, now)


# No 0/O, 1/I/L: a code read off paper or over the phone has one spelling.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4


def new_certificate_code() -> str:
    """12 random characters from 31 (about 59 bits) as XXXX-XXXX-XXXX: not guessable."""
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )


class CertificateQuerySet(models.QuerySet):
    def valid_at(self, now):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)

    def issue(self, attempt: Attempt) -> "Certificate":
        """The certificate of a passed exam attempt: created once, then returned as is."""
        existing = self.filter(attempt=attempt).first()
        if existing:
            return existing
        exam = attempt.quiz.exam
        fields = {
            "attempt": attempt,
            "user": attempt.user,
            "quiz": attempt.quiz,
            "name": attempt.user.get_full_name() or attempt.user.get_username(),
            "course_title": exam.course.title,
            "issued_at": attempt.submitted_at,
            "expires_at": attempt.submitted_at + exam.validity,
        }
        for _try in range(3):
            try:
                with transaction.atomic():
                    return self.create(code=new_certificate_code(), **fields)
            except IntegrityError:
                # Another request issued it first, or (one in 2**59) the code was taken.
                existing = self.filter(attempt=attempt).first()
                if existing:
                    return existing
        raise IntegrityError("no free certificate code after three draws")

    def records_for(self, user, now=None) -> list["CertificateRecord"]:
        """The learner's certificates, newest first, each with its status and whether
        to offer renewal (on the newest of each exam, from its renewal window on). One query.
        """
        now = now or timezone.now()
        records, seen_exams = [], set()
        for certificate in self.filter(user=user).select_related("quiz__exam"):
            newest = certificate.quiz_id not in seen_exams
            seen_exams.add(certificate.quiz_id)
            status = certificate.status_at(now)
            renew = (
                newest
                and status != Certificate.Status.REVOKED
                and now >= certificate.renewal_opens_at
                and not certificate.quiz.retired
            )
            records.append(CertificateRecord(certificate, status, renew))
        return records

    def latest_by_user(self, user_ids) -> dict[int, "Certificate"]:
        """Each user's newest certificate (any status), in one query.

        `user_ids` may be a list or a queryset of ids; users without one are absent. A
        certificate means its exam was passed: each passing attempt issues exactly one.
        """
        newest = (
            Certificate.objects.filter(user=OuterRef("user"))
            .order_by("-issued_at", "-pk")
            .values("pk")[:1]
        )
        rows = self.filter(user_id__in=user_ids, pk=Subquery(newest))
        return {certificate.user_id: certificate for certificate in rows}


class Certificate(models.Model):
    """Proof of a passed exam, verifiable by anyone who has its code.

    Name and course are copied when it is issued: a certificate says what was true on
    that day, even if the account or the course is renamed later.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    code = models.CharField(max_length=14, unique=True, editable=False)
    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, related_name="certificate", editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="certificates")
    name = models.CharField(max_length=150, help_text=_("The learner's name when issued."))
    course_title = models.CharField(max_length=200, help_text=_("The course when issued."))
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["user", "-issued_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")),
                name="certificate_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | (Q(revoked_at__isnull=False) & ~Q(revoke_reason="")),
                name="revoked_certificate_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.name})"

    def get_absolute_url(self):
        """The public verification page, the address the QR code carries."""
        return reverse("quiz:verify", args=[self.code])

    def get_print_url(self):
        return reverse("quiz:certificate_print", args=[self.code])

    @property
    def renewal_opens_at(self) -> datetime:
        return self.expires_at - timedelta(days=self.quiz.exam.renewal_window_days)

    def status_at(self, now) -> "Certificate.Status":
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if now >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.VALID

    def revoke(self, by, reason: str) -> bool:
        """Withdraw the certificate for good, keeping who did it and why.

        False if it was already revoked: the first revocation and its reason stand.
        """
        now = timezone.now()
        changed = Certificate.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoke_reason=reason, revoked_by=by
        )
        if changed:
            self.revoked_at, self.revoke_reason, self.revoked_by = now, reason, by
        return bool(changed)


@dataclass
class CertificateRecord:
    certificate: Certificate
    status: Certificate.Status
    renew: bool  # offer to take the exam again
