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

import copy
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from lessons import markdown
from lessons.caching import content_memo
from lessons.models import (
    ContentVersion,
    Course,
    Layer,
    Lesson,
    Owner,
    Responsibility,
    Service,
    Step,
)
from plumbing.codes import random_code

from . import answer_sources, eligibility, events, scoring, spacing

# The two sides a classify question sorts layers into; "shared" is never asked.
CLASSIFY_OWNERS = [Owner.AWS, Owner.CUSTOMER]


# Statistics count answers of submitted attempts only: an open attempt may still change.
SUBMITTED_ANSWER = Q(answers__attempt__status="submitted")


class QuestionQuerySet(models.QuerySet):
    def for_practice(self):
        """Questions a learner may see with their answers: active and not exam-only."""
        return self.filter(retired=False, exam_only=False)

    def statistics(self) -> list["QuestionStats"]:
        """For authors: how each active question fares, least often right first.

        Per question: answers given in submitted attempts, the percent with full marks,
        and how often each wrong choice was picked (classify: how often each layer was put
        on the wrong side). Four queries, aggregated in the database, whatever the number
        of answers, plus those of each registered answer source (answer_sources: live
        workshops).
        """
        questions = list(
            self.filter(retired=False)
            .select_related("lesson")
            .annotate(
                answered=Count("answers", filter=SUBMITTED_ANSWER),
                full_marks=Count("answers", filter=SUBMITTED_ANSWER & Q(answers__score__gte=1)),
            )
        )
        extra = answer_sources.collect(questions)
        for question in questions:
            if counts := extra.get(question.pk):
                question.answered += counts.answered
                question.full_marks += counts.full_marks
        wrong_picks = defaultdict(list)
        for choice in (
            Choice.objects.filter(question__in=questions, is_correct=False)
            .annotate(picked=Count("answers", filter=Q(answers__attempt__status="submitted")))
            .order_by("question_id", "order")
        ):
            picked = choice.picked
            if counts := extra.get(choice.question_id):
                picked += counts.picks[choice.pk]
            wrong_picks[choice.question_id].append((choice.text, picked))
        misplaced = _misplaced_layers([q for q in questions if q.is_classify], extra)
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


def _misplaced_layers(questions, extra) -> dict[int, list[tuple[str, int]]]:
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
        for row in Answer.objects.filter(question__in=questions, attempt__status="submitted")
        .order_by()
        .values("question_id")
        .annotate(**counts)
    }
    keys = classify_keys(questions)
    names = layer_names(questions)
    misplaced = {}
    for question in questions:
        row = placed.get(question.pk, {})
        more = extra.get(question.pk, answer_sources.AnswerCounts()).placements
        misplaced[question.pk] = [
            (
                names.get(slug, slug),
                sum(
                    row.get(f"l{slugs.index(slug)}_{owner}", 0) + more[slug, owner]
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
    prompt_rendered = models.TextField(editable=False, default="")
    explanation_rendered = models.TextField(editable=False, default="")
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
    exam_only = models.BooleanField(
        default=False,
        help_text=_(
            "From quiz/content/exam-questions: drawn only by exams, never shown in practice, "
            "review, workshops or any result, so passing the exam is not memory of practice."
        ),
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        permissions = [("view_item_statistics", _("Can view item statistics"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["single", "multiple", "true_false", "classify"]),
                name="question_kind_is_known",
            )
        ]

    def __str__(self):
        return self.slug

    prompt_html = markdown.StoredHtml("prompt_rendered")
    explanation_html = markdown.StoredHtml("explanation_rendered")

    def save(self, *args, **kwargs):
        self.prompt_rendered = markdown.render(self.prompt)
        self.explanation_rendered = markdown.render(self.explanation)
        super().save(*args, **kwargs)

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


class MisconceptionQuerySet(models.QuerySet):
    def top_among(self, user_ids=None, limit: int = 5) -> list["MisconceptionShare"]:
        """The misconceptions most held among these learners (everyone when None).

        Share: of the learners who answered a question offering the tagged wrong choice,
        how many picked it. Only submitted attempts count. Three queries, whatever the
        number of learners or answers.
        """
        answers = Answer.objects.filter(attempt__status=Attempt.Status.SUBMITTED)
        if user_ids is not None:
            answers = answers.filter(attempt__user_id__in=user_ids)
        picked = dict(
            answers.filter(choices__misconception__isnull=False)
            .order_by()
            .values_list("choices__misconception")
            .annotate(learners=Count("attempt__user", distinct=True))
        )
        if not picked:
            return []
        exposed = dict(
            answers.filter(question__choices__misconception__in=picked)
            .order_by()
            .values_list("question__choices__misconception")
            .annotate(learners=Count("attempt__user", distinct=True))
        )
        rows = [
            MisconceptionShare(
                misconception,
                picked[misconception.pk],
                exposed[misconception.pk],
                scoring.whole_percent(picked[misconception.pk], exposed[misconception.pk]),
            )
            for misconception in self.filter(pk__in=picked).select_related("step__lesson")
        ]
        rows.sort(key=lambda row: (-row.percent, -row.learners, row.misconception.slug))
        return rows[:limit]


class Misconception(models.Model):
    """A wrong idea a wrong choice reveals, with the lesson step that corrects it.

    Loaded from quiz/content/misconceptions.yaml; wrong choices name it by slug.
    """

    slug = models.SlugField(max_length=100, unique=True)
    statement = models.CharField(max_length=300, help_text=_("The wrong idea, in one line."))
    step = models.ForeignKey(
        Step,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The step that corrects it."),
    )
    order = models.PositiveIntegerField(default=0)

    objects = MisconceptionQuerySet.as_manager()

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.statement


@dataclass
class MisconceptionShare:
    misconception: Misconception
    learners: int  # learners who picked a wrong choice tagged with it
    exposed: int  # learners who answered a question offering such a choice
    percent: int


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(
        blank=True, help_text=_("Markdown: why this choice is right or wrong.")
    )
    feedback_rendered = models.TextField(editable=False, default="")
    order = models.PositiveSmallIntegerField(default=0)
    misconception = models.ForeignKey(
        Misconception,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="choices",
        help_text=_("Wrong choices only: the wrong idea that picking it shows."),
    )

    feedback_html = markdown.StoredHtml("feedback_rendered")

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["question", "text"], name="choice_text_unique")
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        self.feedback_rendered = markdown.render(self.feedback)
        super().save(*args, **kwargs)


# A practice score below this offers "Try again"; at or above it, the next lesson only.
PRACTICE_PASS_MARK = 80

# A quiz-question link an attempt may draw from (see Quiz.drawable_questions).
DRAWABLE = Q(quiz__mode="exam", question__exam_only=True) | Q(
    quiz__mode="practice", question__exam_only=False
)


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
            .filter(DRAWABLE)
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

    def next_lesson(self) -> Lesson | None:
        """The lesson after this quiz's lesson: where the loop goes on. One query."""
        if self.lesson_id is None:
            return None
        return Lesson.objects.filter(order__gt=self.lesson.order).order_by("order").first()

    @property
    def is_ready(self) -> bool:
        """Enough active questions to start (needs `with_question_counts`).

        An exam draws exactly its question_count, so its pool must hold that many.
        """
        if self.is_exam:
            return self.question_total >= (self.question_count or 1)
        return self.question_total > 0

    def drawable_questions(self):
        """The active questions an attempt may draw: an exam only exam-only ones, a
        practice quiz never one, whatever the admin put in the quiz."""
        return self.questions.filter(retired=False, exam_only=self.is_exam)

    def draw_layout(self, rng=None) -> list[dict]:
        """Pick and shuffle this attempt's questions and each question's choices.

        A sample (question_count) is spread across lessons, so a course review covers
        the whole course. True/false keeps "True" before "False". The pool is read once
        per content version: a whole class starting the exam at once draws a layout
        each without a query.
        """
        rng = rng or secrets.SystemRandom()
        pool, choices = content_memo(
            f"quiz-pool:{self.pk}", ContentVersion.current(), self._read_pool
        )
        questions = list(pool)  # shuffled below; the pool is the process's
        if self.question_count and self.question_count < len(questions):
            questions = _spread_across_lessons(questions, self.question_count, rng)
        rng.shuffle(questions)
        layout = []
        for question_id, _lesson_id, kind in questions:
            if kind == Question.Kind.TRUE_FALSE:
                ordered = sorted(choices.get(question_id, ()), key=_true_first)
                choice_ids = [pk for pk, _text in ordered]
            else:
                choice_ids = [pk for pk, _text in choices.get(question_id, ())]
                rng.shuffle(choice_ids)
            layout.append({"question": question_id, "choices": choice_ids})
        return layout

    def _read_pool(self):
        """The drawable questions as (pk, lesson_id, kind), and each one's choices as
        (pk, text): ids only, in two small queries."""
        questions = list(
            self.drawable_questions().order_by("pk").values_list("pk", "lesson_id", "kind")
        )
        choices = defaultdict(list)
        rows = Choice.objects.filter(question__in=[question[0] for question in questions])
        for choice_id, question_id, text in rows.order_by("pk").values_list(
            "pk", "question_id", "text"
        ):
            choices[question_id].append((choice_id, text))
        return questions, dict(choices)


def available_quiz(slug: str) -> Quiz | None:
    """The available quiz `slug`, with its question_total and exam settings, or None.

    Read once per content version: the exam page and "Start" ask for it when a whole
    class starts at once. A copy, since the one held is shared by the process's threads.
    """

    def read_all():
        available = Quiz.objects.available().with_question_counts().select_related("exam")
        return {quiz.slug: quiz for quiz in available}

    quiz = content_memo("available-quizzes", ContentVersion.current(), read_all).get(slug)
    return copy.copy(quiz) if quiz else None


def _true_first(choice):
    return choice[1] != "True"


def _spread_across_lessons(questions, count, rng):
    """Deal `count` questions round-robin from each lesson's shuffled pile.

    `questions` are (pk, lesson_id, kind) rows."""
    piles = defaultdict(list)
    for question in questions:
        piles[question[1]].append(question)
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


class NoSuchQuestionError(Exception):
    """The attempt has no question at that position (or its question left the bank)."""


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
        """Practice and exam questions have their own addresses: their rules differ."""
        name = "quiz:exam_question" if self.quiz.is_exam else "quiz:question"
        return reverse(name, args=[self.pk, position])

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def offers_retry(self) -> bool:
        """A practice attempt under the pass mark: worth another go before moving on."""
        return not self.quiz.is_exam and self.is_submitted and self.score < PRACTICE_PASS_MARK

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

        Read once per content version (two queries), since every learner of a class
        sitting the exam asks for the same few. Raises NoSuchQuestionError for a
        position outside the attempt.
        """
        if not 1 <= position <= len(self.layout):
            raise NoSuchQuestionError(position)
        entry = self.layout[position - 1]

        def read_question():
            return (
                Question.objects.select_related("step__lesson")
                .prefetch_related("choices")
                .filter(pk=entry["question"])
                .first()
            )

        question = content_memo(
            f"question:{entry['question']}", ContentVersion.current(), read_question
        )
        if question is None:
            raise NoSuchQuestionError(position)
        return copy.copy(question), _in_order(question.choices.all(), entry["choices"])

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
                        if not answer.is_correct and not self.quiz.is_exam:
                            ReviewCard.objects.missed(self.user_id, question, now)
                        events.answer_recorded.send(Answer, answer=answer)
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
            events.attempt_submitted.send(Attempt, attempt=self)
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


class ReviewCardQuerySet(models.QuerySet):
    def missed(self, user_id: int, question: Question, now) -> None:
        """Put a question the learner got wrong (back) at the start of their deck.

        Exam-only questions never enter a deck: reviewing one would show its answer.
        """
        if question.exam_only:
            return
        self.update_or_create(
            user_id=user_id,
            question=question,
            defaults={"stage": 0, "due_at": spacing.first_due(now)},
        )

    def due_for(self, user, now):
        """The learner's cards due at `now` whose question may still be shown, oldest first."""
        return self.filter(
            user=user,
            due_at__lte=now,
            question__retired=False,
            question__exam_only=False,
        ).order_by("due_at", "pk")

    def next_due_at(self, user, now):
        """When the learner's next card falls due after `now`, or None."""
        later = self.filter(user=user, due_at__gt=now, question__retired=False)
        return later.aggregate(next=models.Min("due_at"))["next"]


class ReviewCard(models.Model):
    """A question the learner got wrong, in their spaced review deck (see quiz.spacing).

    One card per learner and question; `due_at` None means it has left the deck.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    stage = models.PositiveSmallIntegerField(
        default=0, help_text=_("Which wait of 1, 3 and 7 days the card is in.")
    )
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewCardQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="one_card_per_question")
        ]

    def __str__(self):
        return f"{self.user} / {self.question}"

    def get_absolute_url(self):
        return reverse("quiz:review_card", args=[self.pk])

    def answer(self, *, choice_ids=(), placements=None) -> "ReviewAnswer | None":
        """Score the learner's answer and move the card along. None if it was not due
        (a second tab, a double click): the first answer stands."""
        question = self.question
        score = question.score(
            choice_ids=choice_ids, placements=placements, classify_key=question.classify_key
        )
        now = timezone.now()
        with transaction.atomic():
            locked = ReviewCard.objects.select_for_update().get(pk=self.pk)
            if locked.due_at is None or locked.due_at > now:
                return None
            answer = ReviewAnswer.objects.create(
                card=self,
                question=question,
                placements=placements or {},
                score=score,
                answered_at=now,
            )
            answer.choices.add(*choice_ids)
            self.stage, self.due_at = spacing.after_review(locked.stage, answer.is_correct, now)
            self.save(update_fields=["stage", "due_at"])
        return answer


class ReviewAnswer(ScoredAnswer):
    """One answer given in the review deck, kept like a quiz answer."""

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choices = models.ManyToManyField(Choice, related_name="+", blank=True)

    class Meta:
        ordering = ["answered_at"]

    def __str__(self):
        return f"{self.card}: {self.score}"


class Incident(models.Model):
    """A "Who fixes this?" card (see quiz/incidents.py): a situation on one layer of one
    service, who acts, and the first action."""

    class Who(models.TextChoices):
        AWS = "aws", _("AWS")
        CUSTOMER = "customer", _("You")
        BOTH = "both", _("Both")

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    layer = models.ForeignKey(Layer, on_delete=models.PROTECT, related_name="+")
    situation = models.TextField(help_text=_("Markdown."))
    who = models.CharField(max_length=8, choices=Who.choices)
    who_feedback = models.TextField(help_text=_("Markdown: who acts and why, naming the layer."))
    sources = models.JSONField(default=list)
    order = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("quiz:incident", args=[self.slug])

    def explorer_url(self) -> str:
        return reverse("lessons:explorer_layer", args=[self.service.slug, self.layer.slug])

    @property
    def situation_html(self):
        return markdown.render(self.situation)

    @property
    def who_feedback_html(self):
        return markdown.render(self.who_feedback)

    def score(self, who: str, action: "IncidentAction") -> float:
        """Half for who acts, half for the first action (here and in a live room)."""
        return ((who == self.who) + action.is_correct) / 2

    def record(self, user, who: str, action: "IncidentAction") -> "IncidentAnswer":
        """Score and keep a learner's answer."""
        score = self.score(who, action)
        return IncidentAnswer.objects.create(
            user=user, incident=self, who=who, action=action, score=score
        )


class IncidentAction(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(help_text=_("Markdown: why this first action is right or not."))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.text

    @property
    def feedback_html(self):
        return markdown.render(self.feedback)


class IncidentAnswer(ScoredAnswer):
    """A learner's answer to an incident card, kept like a quiz answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incident_answers"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="answers")
    who = models.CharField(max_length=8, choices=Incident.Who.choices)
    action = models.ForeignKey(IncidentAction, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-answered_at"]
        indexes = [models.Index(fields=["user", "incident", "-answered_at"])]

    def __str__(self):
        return f"{self.user} on {self.incident}: {self.score}"

    @property
    def who_right(self) -> bool:
        return self.who == self.incident.who


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

    def eligibility_for(self, user, now: datetime, attempts=None) -> eligibility.Eligibility:
        """May `user` start this exam at `now`? Two queries, or one when given `attempts`,
        the learner's attempts at this exam as already read."""
        if attempts is None:
            attempts = Attempt.objects.filter(
                user=user, quiz=self.quiz, status=Attempt.Status.SUBMITTED
            ).only("status", "started_at", "submitted_at", "passed")
        finished = [
            eligibility.FinishedAttempt(
                attempt.started_at, attempt.submitted_at, bool(attempt.passed)
            )
            for attempt in attempts
            if attempt.is_submitted
        ]
        valid_until = (
            Certificate.objects.filter(user=user, quiz=self.quiz)
            .valid_at(now)
            .aggregate(until=Max("expires_at"))["until"]
        )
        return eligibility.check(self.rules, finished, valid_until, now)


CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4


def new_certificate_code() -> str:
    """12 random characters from 31 (about 59 bits) as XXXX-XXXX-XXXX: not guessable."""
    return "-".join(random_code(CODE_GROUP_LENGTH) for _ in range(CODE_GROUPS))


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
                    certificate = self.create(code=new_certificate_code(), **fields)
                    events.certificate_issued.send(Certificate, certificate=certificate)
                    return certificate
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
            records.append(CertificateRecord.of(certificate, newest, now))
        return records

    def record_of(self, certificate: "Certificate", now=None) -> "CertificateRecord":
        """One certificate's record, as records_for gives it: one query."""
        newer = self.filter(
            user_id=certificate.user_id,
            quiz_id=certificate.quiz_id,
            issued_at__gt=certificate.issued_at,
        )
        return CertificateRecord.of(certificate, not newer.exists(), now or timezone.now())

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
        permissions = [("revoke_certificate", _("Can revoke a certificate"))]
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

    @classmethod
    def of(cls, certificate: Certificate, newest: bool, now) -> "CertificateRecord":
        """Renewal is offered on the newest certificate of an exam, from its window on."""
        status = certificate.status_at(now)
        renew = (
            newest
            and status != Certificate.Status.REVOKED
            and now >= certificate.renewal_opens_at
            and not certificate.quiz.retired
        )
        return cls(certificate, status, renew)
