from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from .forms import answer_form
from .models import Attempt, AttemptClosedError, Question, Quiz, get_attempt_for, layer_names

CLOSED = gettext_lazy("This attempt is finished, so its answers can no longer change.")


@require_GET
def quiz_list(request: HttpRequest) -> HttpResponse:
    quizzes = Quiz.objects.available().with_question_counts()
    if request.user.is_authenticated:
        quizzes = quizzes.with_best_scores_for(request.user)
    return render(request, "quiz/quiz_list.html", {"quizzes": quizzes})


@require_GET
def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.available().with_question_counts(), slug=slug)
    attempts = []
    if request.user.is_authenticated:
        attempts = Attempt.objects.records_for(request.user).filter(quiz=quiz)
    return render(request, "quiz/quiz_detail.html", {"quiz": quiz, "attempts": attempts})


@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.available().with_question_counts(), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(quiz.get_absolute_url())
    if not quiz.question_total:
        messages.error(request, _("This quiz has no questions yet."))
        return redirect(quiz)
    attempt, _created = Attempt.objects.start(request.user, quiz)
    return redirect(attempt)


@require_GET
@login_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Where the learner left off: the first unanswered question, or the review."""
    attempt = get_attempt_for(request.user, attempt_id)
    if attempt.is_submitted:
        return redirect(attempt.get_review_url())
    position = attempt.next_unanswered_position() or attempt.question_total
    return redirect(attempt.question_url(position))


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def question(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """One question a screen. POST answers it; with htmx the card is swapped in place."""
    attempt = get_attempt_for(request.user, attempt_id)
    if attempt.is_submitted:
        if request.method == "POST":
            messages.error(request, CLOSED)
        return _redirect(request, attempt.get_review_url())
    question, choices = attempt.question_at(position)
    answer = attempt.answer_to(question)
    names = layer_names([question])
    data = request.POST if request.method == "POST" else None
    form = answer_form(question, choices, names, data=data)
    already_answered = request.method == "POST" and answer is not None
    if request.method == "POST" and answer is None and form.is_valid():
        try:
            answer, _created = attempt.record_answer(question, **form.selection())
        except AttemptClosedError:
            messages.error(request, CLOSED)
            return _redirect(request, attempt.get_review_url())
        if not request.htmx:
            return redirect(attempt.question_url(position))
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


@require_POST
@login_required
def submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_attempt_for(request.user, attempt_id)
    attempt.submit()
    return redirect(attempt.get_review_url())


@require_GET
@login_required
def review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_attempt_for(request.user, attempt_id)
    if not attempt.is_submitted:
        messages.info(request, _("Finish the quiz to see your score and the review."))
        return redirect(attempt)
    context = {"attempt": attempt, "items": attempt.review_items()}
    return render(request, "quiz/review.html", context)


@require_GET
@login_required
def stats(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    return render(request, "quiz/stats.html", {"rows": Question.objects.statistics()})
