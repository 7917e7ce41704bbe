import random

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from lessons.models import CompanyOwner, Responsibility
from plumbing.qr import qr_svg_response

from . import certificate_links, follow_ups
from .eligibility import Eligibility, Wait
from .forms import CertificateCodeForm, IncidentForm, RevokeForm, answer_form, is_tampered
from .models import (
    Attempt,
    AttemptClosedError,
    AttemptExpiredError,
    Certificate,
    ExamRefusedError,
    ExamSettings,
    Incident,
    IncidentAnswer,
    Misconception,
    NoSuchQuestionError,
    Question,
    Quiz,
    ReviewAnswer,
    ReviewCard,
    ReviewItem,
    available_quiz,
    layer_names,
)
from .ratelimit import over_limit

CLOSED = gettext_lazy("This attempt is finished, so its answers can no longer change.")
TIME_UP = gettext_lazy(
    "Time is up. Answers after the deadline are not accepted; your exam was scored with "
    "the answers you had given."
)
# Certificate checks per client address and minute: plenty for people, slow for a
# script that guesses codes.
VERIFY_LIMIT = 30
VERIFY_WINDOW = 60


# Access: each returns the learner's own object, or 404 (nobody learns of another's).


def get_attempt_for(user, attempt_id: int) -> Attempt:
    """The learner's own attempt, or 404: nobody sees another learner's attempts."""
    return get_object_or_404(
        Attempt.objects.select_related("quiz__exam", "quiz__lesson"), pk=attempt_id, user=user
    )


def get_review_answer_for(user, answer_id: int) -> ReviewAnswer:
    """The learner's own review answer, or 404."""
    return get_object_or_404(
        ReviewAnswer.objects.select_related("question__step__lesson", "card").prefetch_related(
            "choices", "question__choices"
        ),
        pk=answer_id,
        card__user=user,
    )


def get_due_card_for(user, card_id: int) -> ReviewCard:
    """The learner's own card, or 404."""
    return get_object_or_404(
        ReviewCard.objects.select_related("question__lesson").prefetch_related(
            "question__choices"
        ),
        pk=card_id,
        user=user,
        question__exam_only=False,
    )


@require_GET
def quiz_list(request: HttpRequest) -> HttpResponse:
    quizzes = Quiz.objects.available().with_question_counts().select_related("exam")
    if request.user.is_authenticated:
        quizzes = quizzes.with_best_scores_for(request.user)
    return render(request, "quiz/quiz_list.html", {"quizzes": quizzes})


def _available_quiz(slug: str) -> Quiz:
    quiz = available_quiz(slug)
    if quiz is None:
        raise Http404
    return quiz


@require_GET
def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A quiz's start page. An exam's states its rules and what they allow the learner now."""
    quiz = _available_quiz(slug)
    context = {"quiz": quiz, "attempts": []}
    now = timezone.now()
    if request.user.is_authenticated:
        attempts = Attempt.objects.records_for(request.user).filter(quiz=quiz)
        context["attempts"] = list(attempts)
        # An exam attempt left open past its deadline is scored before it is shown.
        if any(attempt.is_expired for attempt in context["attempts"]):
            attempts.close_expired(now)
            context["attempts"] = list(attempts.all())
    if not quiz.is_exam:
        return render(request, "quiz/quiz_detail.html", context)
    open_attempt = next((a for a in context["attempts"] if not a.is_submitted), None)
    if request.user.is_authenticated and open_attempt is None:
        verdict = quiz.exam.eligibility_for(request.user, now, attempts=context["attempts"])
        context["verdict"] = verdict
        context["refusal"] = None if verdict.allowed else refusal_message(quiz.exam, verdict)
    context["open_attempt"] = open_attempt
    return render(request, "quiz/exam_detail.html", context)


def refusal_message(exam: ExamSettings, verdict: Eligibility) -> str:
    """Why the learner cannot start the exam now, and from when they can."""
    when = _when(verdict.next_start)
    if verdict.reason == Wait.CERTIFIED:
        expiry = _when(verdict.next_start + exam.rules.renewal_window)
        return _(
            "You already hold a valid certificate, until %(expiry)s. You can renew it "
            "by taking the exam again from %(when)s."
        ) % {"expiry": expiry, "when": when}
    if verdict.reason == Wait.NO_ATTEMPTS_LEFT:
        return ngettext(
            "You have used your %(count)d attempt for this period. Your next attempt is "
            "allowed from %(when)s.",
            "You have used all %(count)d attempts for this period. Your next attempt is "
            "allowed from %(when)s.",
            exam.max_attempts,
        ) % {"count": exam.max_attempts, "when": when}
    return ngettext(
        "The exam asks for %(hours)d hour between attempts. Your next attempt is allowed "
        "from %(when)s.",
        "The exam asks for %(hours)d hours between attempts. Your next attempt is allowed "
        "from %(when)s.",
        exam.cooldown_hours,
    ) % {"hours": exam.cooldown_hours, "when": when}


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i T")


@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = _available_quiz(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(quiz.get_absolute_url())
    if not quiz.is_ready:
        if quiz.is_exam:
            messages.error(
                request,
                _("This exam cannot start: its pool holds fewer questions than it draws."),
            )
        else:
            messages.error(request, _("This quiz has no questions yet."))
        return redirect(quiz)
    try:
        attempt, created = Attempt.objects.start(request.user, quiz)
    except ExamRefusedError as refused:
        messages.error(request, refusal_message(quiz.exam, refused.eligibility))
        return redirect(quiz)
    # A new attempt goes straight to its first question: one request fewer for each
    # of the hundreds who press "Start" at the same minute. A resumed one finds its place.
    return redirect(attempt.question_url(1) if created else attempt)


def _closed_by_deadline(request: HttpRequest, attempt: Attempt) -> bool:
    """Score an exam attempt whose time ran out, and tell the learner. True if it was."""
    if not attempt.is_submitted and attempt.close_if_expired():
        messages.warning(request, TIME_UP)
        return True
    return False


@require_GET
@login_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Where the learner left off: the first unanswered question, or the review."""
    attempt = get_attempt_for(request.user, attempt_id)
    if attempt.is_submitted:
        return redirect(attempt.get_review_url())
    position = attempt.next_unanswered_position() or attempt.question_total
    return redirect(attempt.question_url(position))


def _question_or_404(attempt: Attempt, position: int):
    try:
        return attempt.question_at(position)
    except NoSuchQuestionError as missing:
        raise Http404 from missing


def _other_flow(request: HttpRequest, attempt: Attempt, position: int) -> HttpResponse:
    """An attempt asked for at the other flow's address: go to its own, answer and all
    (307 keeps a POST a POST)."""
    response = redirect(attempt.question_url(position))
    if request.method == "POST":
        response.status_code = 307
    return response


def _refuse_forged(form) -> None:
    # A value no control offers comes from a forged request: 400, nothing stored.
    if is_tampered(form):
        raise BadRequest("An answer no control on the page offers")


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def question(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """A practice question, one a screen. POST answers it and the feedback shows at
    once; with htmx the card is swapped in place."""
    attempt = get_attempt_for(request.user, attempt_id)
    if attempt.quiz.is_exam:
        return _other_flow(request, attempt, position)
    if attempt.is_submitted:
        if request.method == "POST":
            messages.error(request, CLOSED)
        return _redirect(request, attempt.get_review_url())
    question, choices = _question_or_404(attempt, position)
    answer = attempt.answer_to(question)
    names = layer_names([question])
    data = request.POST if request.method == "POST" else None
    form = answer_form(question, choices, names, data=data)
    already_answered = request.method == "POST" and answer is not None
    if request.method == "POST" and answer is None:
        if form.is_valid():
            try:
                answer, _created = attempt.record_answer(question, **form.selection())
            except AttemptClosedError:
                messages.error(request, CLOSED)
                return _redirect(request, attempt.get_review_url())
            if not request.htmx:
                return redirect(attempt.question_url(position))
        else:
            _refuse_forged(form)
    context = {
        "attempt": attempt,
        "position": position,
        "question": question,
        "choices": choices,
        "form": form,
        "layer_names": names,
        "answered_count": len(attempt.answered_question_ids),
        "already_answered": already_answered,
        "feedback": answer and attempt.feedback_for(position, question, choices, answer, names),
        "next_position": attempt.next_unanswered_position(after=position),
    }
    template = "quiz/question.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#question-card"
    return render(request, template, context)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_http_methods(["GET", "POST"])
@login_required
def exam_question(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """An exam question: the answer is saved and the learner moves on, with no word on
    whether it was right. Full pages only, each showing the time left."""
    attempt = get_attempt_for(request.user, attempt_id)
    if not attempt.quiz.is_exam:
        return _other_flow(request, attempt, position)
    if _closed_by_deadline(request, attempt) or attempt.is_submitted:
        if request.method == "POST" and not attempt.timed_out:
            messages.error(request, CLOSED)
        return redirect(attempt.get_review_url())
    question, choices = _question_or_404(attempt, position)
    answered = question.pk in attempt.answered_question_ids
    if request.method == "POST" and answered:
        messages.info(
            request, _("You had already answered that question; your first answer stands.")
        )
        return redirect(
            attempt.question_url(attempt.next_unanswered_position(position) or position)
        )
    form = answer_form(
        question,
        choices,
        layer_names([question]),
        data=request.POST if request.method == "POST" else None,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                attempt.record_answer(question, **form.selection())
            except AttemptExpiredError:
                messages.warning(request, TIME_UP)
                return redirect(attempt.get_review_url())
            except AttemptClosedError:
                messages.error(request, CLOSED)
                return redirect(attempt.get_review_url())
            return redirect(
                attempt.question_url(attempt.next_unanswered_position(position) or position)
            )
        _refuse_forged(form)
    seconds_left = attempt.seconds_left()
    context = {
        "attempt": attempt,
        "position": position,
        "question": question,
        "form": form,
        "answered": answered,
        "answered_count": len(attempt.answered_question_ids),
        "unanswered": attempt.question_total - len(attempt.answered_question_ids),
        "next_position": attempt.next_unanswered_position(after=position),
        "seconds_left": seconds_left,
        "minutes_left": seconds_left // 60,
    }
    return render(request, "quiz/exam_question.html", context)


@require_POST
@login_required
def submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_attempt_for(request.user, attempt_id)
    if not _closed_by_deadline(request, attempt):
        attempt.submit()
    return redirect(attempt.get_review_url())


@require_GET
@login_required
def review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_attempt_for(request.user, attempt_id)
    _closed_by_deadline(request, attempt)
    if not attempt.is_submitted:
        messages.info(request, _("Finish the quiz to see your score and the review."))
        return redirect(attempt)
    if attempt.quiz.is_exam:
        return _exam_result(request, attempt)
    items = attempt.review_items()
    next_lesson = attempt.quiz.next_lesson()
    context = {
        "attempt": attempt,
        "items": items,
        "right_count": sum(bool(item.answer and item.answer.is_correct) for item in items),
        "next_lesson": next_lesson,
        # After the last lesson's quiz (or the course review) the loop ends at the exam.
        "course_end": None if next_lesson else follow_ups.the_exam(request.user),
    }
    return render(request, "quiz/review.html", context)


def _exam_result(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    """Score, verdict and lessons to review; never the questions' answers, so the pool
    stays fit for the next candidate."""
    exam = attempt.quiz.exam
    context = {
        "attempt": attempt,
        "exam": exam,
        "lessons": attempt.lessons_to_review(),
        "certificate": Certificate.objects.filter(attempt=attempt).first(),
    }
    if not attempt.passed and not attempt.quiz.retired:
        verdict = exam.eligibility_for(request.user, timezone.now())
        context["verdict"] = verdict
        context["refusal"] = None if verdict.allowed else refusal_message(exam, verdict)
    return render(request, "quiz/exam_result.html", context)


@require_GET
@login_required
@permission_required("quiz.view_item_statistics", raise_exception=True)
def stats(request: HttpRequest) -> HttpResponse:
    context = {
        "rows": Question.objects.statistics(),
        "misconceptions": Misconception.objects.top_among(limit=10),
    }
    return render(request, "quiz/stats.html", context)


def _certificate_code(code: str) -> str:
    """The canonical code, or 404: a malformed code names no certificate."""
    form = CertificateCodeForm({"code": code})
    if not form.is_valid():
        raise Http404("Not a certificate code")
    return form.cleaned_data["code"]


def get_certificate_for(user, code: str) -> Certificate:
    """The learner's own certificate, or 404: only its holder prints it."""
    return get_object_or_404(
        Certificate.objects.select_related("quiz__exam"), code=_certificate_code(code), user=user
    )


@require_GET
def certificate_lookup(request: HttpRequest) -> HttpResponse:
    """Type a code, get its verification page."""
    form = CertificateCodeForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return redirect("quiz:verify", code=form.cleaned_data["code"])
    return render(request, "quiz/certificate_lookup.html", {"form": form})


@require_GET
@never_cache
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: is this certificate valid, expired or revoked? Name, course, dates only."""
    if over_limit(request, "verify", VERIFY_LIMIT, VERIFY_WINDOW):
        response = render(request, "quiz/too_many_checks.html", status=429)
        response["Retry-After"] = str(VERIFY_WINDOW)
        return response
    form = CertificateCodeForm({"code": code})
    certificate = None
    if form.is_valid():
        if form.cleaned_data["code"] != code:
            return redirect("quiz:verify", code=form.cleaned_data["code"])
        certificate = Certificate.objects.filter(code=code).first()
    if certificate is None:
        return render(request, "quiz/certificate_not_found.html", {"form": form}, status=404)
    context = {"certificate": certificate, "status": certificate.status_at(timezone.now())}
    return render(request, "quiz/verify.html", context)


@require_GET
@login_required
def certificate_print(request: HttpRequest, code: str) -> HttpResponse:
    certificate = get_certificate_for(request.user, code)
    record = Certificate.objects.record_of(certificate)
    context = {
        "record": record,
        "verify_url": request.build_absolute_uri(certificate.get_absolute_url()),
        # What other apps offer for it (lms: the Open Badges credential, LinkedIn).
        "links": certificate_links.links_for(request, record.certificate, record.status),
    }
    return render(request, "quiz/certificate.html", context)


@require_GET
@login_required
def certificate_qr(request: HttpRequest, code: str) -> HttpResponse:
    """The QR code of the certificate's verification address, as SVG made here."""
    certificate = get_certificate_for(request.user, code)
    return qr_svg_response(request.build_absolute_uri(certificate.get_absolute_url()))


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("quiz.revoke_certificate", raise_exception=True)
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    """Withdraw a certificate, with a reason that stays on its record."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("revoked_by"), code=_certificate_code(code)
    )
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and certificate.revoked_at is None and form.is_valid():
        certificate.revoke(request.user, form.cleaned_data["reason"])
        messages.success(
            request, _("Certificate %(code)s is revoked.") % {"code": certificate.code}
        )
        return redirect(certificate)
    context = {
        "certificate": certificate,
        "status": certificate.status_at(timezone.now()),
        "form": form,
    }
    return render(request, "quiz/revoke.html", context)


def _card_choices(card: ReviewCard, choices) -> list:
    """The card's choices in an order of their own, the same on every visit."""
    choices = sorted(choices, key=lambda choice: choice.pk)
    # Only an order for display, not a secret: a seeded generator keeps it stable.
    random.Random(card.pk).shuffle(choices)  # noqa: S311
    return choices


def _deck_context(user, card: ReviewCard | None, form=None) -> dict:
    now = timezone.now()
    due = ReviewCard.objects.due_for(user, now)
    context = {"due_count": due.count(), "card": card}
    if card is None:
        context["next_due_at"] = ReviewCard.objects.next_due_at(user, now)
        return context
    question = card.question
    choices = _card_choices(card, question.choices.all())
    names = layer_names([question])
    context.update(
        question=question,
        form=form or answer_form(question, choices, names),
    )
    return context


@require_GET
@login_required
def review_deck(request: HttpRequest) -> HttpResponse:
    """The learner's due review questions, one at a time, oldest first."""
    card = (
        ReviewCard.objects.due_for(request.user, timezone.now())
        .select_related("question__lesson")
        .prefetch_related("question__choices")
        .first()
    )
    return render(request, "quiz/review_deck.html", _deck_context(request.user, card))


@require_POST
@login_required
def review_card(request: HttpRequest, card_id: int) -> HttpResponse:
    """Answer a due card; the feedback page shows why, and the card moves on (or back)."""
    card = get_due_card_for(request.user, card_id)
    question = card.question
    choices = _card_choices(card, question.choices.all())
    form = answer_form(question, choices, layer_names([question]), data=request.POST)
    if not form.is_valid():
        _refuse_forged(form)
        return render(request, "quiz/review_deck.html", _deck_context(request.user, card, form))
    answer = card.answer(**form.selection())
    if answer is None:
        messages.info(request, _("You had already answered that one; your first answer stands."))
        return redirect("quiz:review_deck")
    return redirect("quiz:review_answer", answer.pk)


@require_GET
@login_required
def review_answer(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = get_review_answer_for(request.user, answer_id)
    question = answer.question
    names = layer_names([question])
    item = ReviewItem(
        position=1,
        question=question,
        choices=_card_choices(answer.card, question.choices.all()),
        answer=answer,
        classify_key=question.classify_key,
        layer_names=names,
    )
    now = timezone.now()
    context = {
        "item": item,
        "card": answer.card,
        "due_count": ReviewCard.objects.due_for(request.user, now).count(),
    }
    return render(request, "quiz/review_answer.html", context)


WHO_CHOICES = [
    (Incident.Who.AWS, gettext_lazy("AWS")),
    (Incident.Who.CUSTOMER, gettext_lazy("You, the customer")),
    (Incident.Who.BOTH, gettext_lazy("Both")),
]


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    """Every "Who fixes this?" card, with the learner's best result on each."""
    incidents = Incident.objects.filter(retired=False).select_related("service", "layer")
    best = {}
    if request.user.is_authenticated:
        best = dict(
            IncidentAnswer.objects.filter(user=request.user)
            .order_by()
            .values_list("incident_id")
            .annotate(best=Max("score"))
        )
    rows = [(incident, best.get(incident.pk)) for incident in incidents]
    return render(request, "quiz/incident_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def incident_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One card. Anyone may answer; a logged-in learner's answer is kept like a quiz's."""
    incident = get_object_or_404(
        Incident.objects.select_related("service", "layer"), slug=slug, retired=False
    )
    actions = sorted(incident.actions.all(), key=lambda action: action.pk)
    # A fixed order of its own per card, so the right action is not always first.
    random.Random(incident.pk).shuffle(actions)  # noqa: S311
    form = IncidentForm(
        request.POST if request.method == "POST" else None,
        who_choices=WHO_CHOICES,
        actions=actions,
    )
    context = {"incident": incident, "form": form, "actions": actions}
    if request.method == "POST":
        if form.is_valid():
            who, action = form.cleaned_data["who"], form.chosen_action
            if request.user.is_authenticated:
                incident.record(request.user, who, action)
            owner = Responsibility.objects.get(service=incident.service, layer=incident.layer)
            # The company's own owner of the layer, if it named one: its team acts for "you".
            company_owner = CompanyOwner.objects.for_part(owner)
            context.update(
                answered=True,
                who=who,
                who_right=who == incident.who,
                who_label=dict(WHO_CHOICES)[incident.who],
                chosen=action,
                right_action=next(a for a in actions if a.is_correct),
                owner=owner,
                company_owner=company_owner,
                following=Incident.objects.filter(retired=False, order__gt=incident.order)
                .only("slug", "title")
                .first(),
            )
        else:
            _refuse_forged(form)
    return render(request, "quiz/incident.html", context)
