from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cohorts.report import assignments_for, today
from lessons import progress
from quiz.models import Attempt, Certificate, Quiz
from workshops.models import Participant

from .forms import SignUpForm


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    context = {
        "overview": progress.course_overview(request),
        "quiz_records": Quiz.objects.available().with_best_scores_for(request.user),
        "quiz_attempts": Attempt.objects.records_for(request.user),
        "workshop_records": Participant.objects.records_for(request.user),
        "certificates": Certificate.objects.records_for(request.user),
        "assignments": assignments_for(request.user, today()),
    }
    return render(request, "dashboard.html", context)


def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.name}
        )
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok\n", content_type="text/plain")


def bad_request(request, exception):
    return render(request, "400.html", status=400)
