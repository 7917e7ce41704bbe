from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cohorts.report import assignments_for, today
from lessons import progress
from lessons.explorer import build_stack
from lessons.models import Lesson, Service, Step
from quiz.models import Attempt, Certificate, Quiz
from workshops.models import Participant

from . import signup as signup_mail
from . import throttle
from .forms import SignUpForm
from .summary import summarise


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _welcome(request)
    overview = progress.course_overview(request)
    quiz_records = list(Quiz.objects.available().with_best_scores_for(request.user))
    certificates = Certificate.objects.records_for(request.user)
    context = {
        "overview": overview,
        "summary": summarise(overview, quiz_records, certificates),
        "quiz_records": quiz_records,
        "quiz_attempts": Attempt.objects.records_for(request.user),
        "workshop_records": Participant.objects.records_for(request.user),
        "certificates": certificates,
        "assignments": assignments_for(request.user, today()),
    }
    return render(request, "dashboard.html", context)


def _welcome(request: HttpRequest) -> HttpResponse:
    """The home page for a newcomer: the house, the promise and the course, no account."""
    lessons = list(Lesson.objects.with_minutes())
    first_step = Step.objects.select_related("lesson").first()
    service = Service.objects.first()
    house = None
    if service is not None:

        def house_part_url(slug):
            url = reverse("lessons:explorer_layer", args=[service.slug, slug])
            return url + "?view=house"

        # The welcome's picture only: the company's owners show in the explorer.
        house = build_stack(service, None, house_part_url, company_owners=False)
    context = {
        "lessons": lessons,
        "total_minutes": sum(lesson.minutes for lesson in lessons),
        "first_step": first_step,
        "house": house,
        "exam": Quiz.objects.available().filter(mode=Quiz.Mode.EXAM).first(),
    }
    return render(request, "home.html", context)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, name = form.cleaned_data["email"], form.cleaned_data["name"]
        if not throttle.SIGNUP.exceeded(request, email):
            signup_mail.send(email, name, request.build_absolute_uri("/"))
        return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    context = {"link_days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    return render(request, "registration/signup_sent.html", context)


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: choose a password, and the account exists from this moment."""
    if not settings.SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", status=403)
    data = signup_mail.read_token(token)
    if data is None:
        return render(request, "registration/signup_confirm.html", status=400)
    User = get_user_model()
    if User.objects.filter(email=data["email"]).exists():
        messages.info(request, _("This address has an account already: log in."))
        return redirect("login")
    form = SetPasswordForm(User(email=data["email"], name=data["name"]), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:
            # The same link opened twice at once: the first request made the account.
            messages.info(request, _("This address has an account already: log in."))
            return redirect("login")
        login(request, user, backend="sharedresp.backends.OneQueryModelBackend")
        messages.success(
            request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.name}
        )
        return redirect("home")
    context = {"form": form, **data}
    return render(request, "registration/signup_confirm.html", context)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok\n", content_type="text/plain")


def bad_request(request, exception):
    return render(request, "400.html", status=400)
