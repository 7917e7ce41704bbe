"""LTI 1.3 pages: our keyset, login initiation, launch, deep linking, account linking,
and the staff page where platforms are registered. All 404 while LTI_ENABLED is off."""

import time
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lessons.models import Lesson
from quiz.models import Quiz

from . import lti
from .forms import DeepLinkForm, PlatformForm
from .models import Platform, ToolKey

STATE_COOKIE = "lti1p3-state"
DEEP_LINK_KEY = "lti_deep_link"
PENDING_KEY = "lti_pending_launch"
# How long a launch's next step (linking accounts, picking content) stays open.
PENDING_SECONDS = 30 * 60


def lti_enabled(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not settings.LTI_ENABLED:
            raise Http404("LTI is off")
        return view(request, *args, **kwargs)

    return checked


def refused(request: HttpRequest, error: lti.LaunchError) -> HttpResponse:
    return render(request, "lms/lti_error.html", {"message": error.message}, status=error.status)


@lti_enabled
@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    if not ToolKey.objects.exists():
        ToolKey.objects.generate()
    return JsonResponse(lti.public_jwks())


@lti_enabled
@csrf_exempt  # posted by the platform's page, which holds no token of ours
@require_http_methods(["GET", "POST"])
def login_initiation(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    try:
        url, state = lti.login_redirect(params, request.build_absolute_uri(reverse("lms:launch")))
    except lti.LaunchError as error:
        return refused(request, error)
    response = redirect(url)
    # SameSite=None: the launch comes back as a cross-site POST from the platform.
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=lti.LoginState.LIFETIME_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="None",
    )
    return response


def target_of(launch_target: str) -> tuple[str, Quiz | None]:
    """Where a resource link leads ("lesson:slug" or "quiz:slug"), and its quiz if any."""
    kind, _sep, slug = launch_target.partition(":")
    if kind == "lesson":
        lesson = Lesson.objects.filter(slug=slug).first()
        if lesson:
            return lesson.get_absolute_url(), None
    if kind == "quiz":
        quiz = Quiz.objects.available().filter(slug=slug).first()
        if quiz:
            return quiz.get_absolute_url(), quiz
    return reverse("home"), None


def finish_launch(request: HttpRequest, launch: lti.Launch, user) -> HttpResponse:
    """Sign the person in and take them where the launch points."""
    if not user.is_active:
        return refused(request, lti.LaunchForbiddenError(_("This account has been closed.")))
    if request.user != user:
        login(request, user, backend="sharedresp.backends.OneQueryModelBackend")
    if launch.message_type == lti.DEEP_LINK_REQUEST:
        settings_claim = launch.claims.get(lti.DEEP_LINKING + "deep_linking_settings") or {}
        if not settings_claim.get("deep_link_return_url"):
            return refused(request, lti.LaunchError(_("Your platform gave no place to return.")))
        request.session[DEEP_LINK_KEY] = {
            "at": time.time(),
            "platform": launch.platform.pk,
            "deployment_id": launch.deployment_id,
            "return_url": settings_claim["deep_link_return_url"],
            "data": settings_claim.get("data", ""),
        }
        return redirect("lms:deep_link")
    url, quiz = target_of(launch.target)
    if quiz is not None:
        lti.remember_grade_link(launch, user, quiz)
    return redirect(url)


@lti_enabled
@csrf_exempt  # the platform posts the id_token; the state cookie binds it to this browser
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    try:
        checked = lti.validate_launch(
            request.POST.get("state", ""),
            request.POST.get("id_token", ""),
            request.COOKIES.get(STATE_COOKIE),
        )
        user = lti.account_for(checked)
    except lti.LaunchError as error:
        return refused(request, error)
    except lti.AccountExistsError:
        # Kept until the person signs in here and confirms the link.
        request.session[PENDING_KEY] = {
            "platform": checked.platform.pk,
            "claims": checked.claims,
            "at": time.time(),
        }
        return redirect(f"{reverse('login')}?next={reverse('lms:link_account')}")
    response = finish_launch(request, checked, user)
    response.delete_cookie(STATE_COOKIE, samesite="None")
    return response


def waiting_in_session(request: HttpRequest, key: str) -> tuple[dict, Platform | None]:
    """What a launch left in the session for the next page, and its platform (None when
    there is nothing, or the platform was removed since)."""
    pending = request.session.get(key) or {}
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return pending, None  # left for too long (on a shared computer, say)
    platform = Platform.objects.filter(pk=pending["platform"]).first() if pending else None
    return pending, platform


@lti_enabled
@login_required
@require_http_methods(["GET", "POST"])
def link_account(request: HttpRequest) -> HttpResponse:
    pending, platform = waiting_in_session(request, PENDING_KEY)
    if not platform:
        return refused(
            request,
            lti.LaunchError(_("There is no launch to link. Open the activity from your course.")),
        )
    if request.method == "POST":
        del request.session[PENDING_KEY]
        checked = lti.Launch(platform, pending["claims"])
        user = lti.link_account(platform.issuer, checked.subject, request.user)
        return finish_launch(request, checked, user)
    return render(request, "lms/link_account.html", {"platform": platform})


@lti_enabled
@login_required
@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest) -> HttpResponse:
    pending, platform = waiting_in_session(request, DEEP_LINK_KEY)
    if not platform:
        return refused(
            request,
            lti.LaunchError(_("There is no course to add to. Start again from your course.")),
        )
    form = DeepLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        del request.session[DEEP_LINK_KEY]
        item = content_item(request, form.cleaned_data["target"])
        token = lti.deep_linking_response(platform, pending, [item])
        response = render(
            request,
            "lms/deep_link_return.html",
            {"return_url": pending["return_url"], "jwt": token, "title": item["title"]},
        )
        # The one form that leaves the site: allow its destination, for this page only.
        origin = urlsplit(pending["return_url"])
        response._csp_update = {"form-action": [f"{origin.scheme}://{origin.netloc}"]}
        return response
    return render(request, "lms/deep_link.html", {"form": form, "platform": platform})


def content_item(request: HttpRequest, target: str) -> dict:
    """The LTI resource link for a chosen lesson or quiz; a quiz gets a gradebook column."""
    labels = dict(
        choice for _group, choices in DeepLinkForm().fields["target"].choices for choice in choices
    )
    item = {
        "type": "ltiResourceLink",
        "title": labels[target],
        "url": request.build_absolute_uri(reverse("lms:launch")),
        "custom": {"target": target},
    }
    if target.startswith("quiz:"):
        item["lineItem"] = {"scoreMaximum": 100, "label": labels[target], "resourceId": target}
    return item


@login_required
@permission_required("lms.change_platform", raise_exception=True)
@lti_enabled
@require_http_methods(["GET", "POST"])
def platforms(request: HttpRequest, platform_id: int | None = None) -> HttpResponse:
    """Register the LMSs that may launch sharedresp; shows what to enter on their side."""
    platform = get_object_or_404(Platform, pk=platform_id) if platform_id else None
    form = PlatformForm(request.POST or None, instance=platform)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Saved the platform %(name)s.") % {"name": saved.name})
        return redirect("lms:platforms")
    tool = {
        _("Login initiation URL"): reverse("lms:login"),
        _("Launch (redirect) URL"): reverse("lms:launch"),
        _("Deep linking URL"): reverse("lms:launch"),
        _("Public keyset URL"): reverse("lms:jwks"),
    }
    context = {
        "form": form,
        "platform": platform,
        "platforms": Platform.objects.order_by("name"),
        "tool": {label: request.build_absolute_uri(path) for label, path in tool.items()},
    }
    return render(request, "lms/platforms.html", context, status=400 if form.errors else 200)
