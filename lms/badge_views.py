"""Open Badges 3.0 addresses: the issuer, its public key, each credential's status, the
learner's download, and the staff page that says whether the key works (lms/badges.py).

Every one of them is a 404 while badges are off, so a site that never configured them
publishes nothing about them.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from quiz.forms import CertificateCodeForm
from quiz.models import Certificate
from quiz.ratelimit import over_limit
from quiz.views import VERIFY_LIMIT, VERIFY_WINDOW, get_certificate_for

from . import badges


def _public_json(document: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(document, status=status, json_dumps_params={"ensure_ascii": False})
    # Verifiers run anywhere, browser-based ones included.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _key_or_404() -> badges.IssuerKey:
    key = badges.usable_key()
    if key is None:
        raise Http404("Open Badges are not set up")
    return key


@require_GET
def issuer(request: HttpRequest) -> JsonResponse:
    """The issuer's Profile, the `issuer.id` of every credential."""
    _key_or_404()
    return _public_json({"@context": badges.CONTEXTS, **badges.issuer_profile()})


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The public key that checks every credential's signature (by its kid)."""
    return _public_json(badges.jwks(_key_or_404()))


@require_GET
@never_cache
def status(request: HttpRequest, code: str) -> JsonResponse:
    """One credential's revocation status; as rate-limited as the certificate check."""
    if not badges.is_configured():
        raise Http404("Open Badges are not set up")
    if over_limit(request, "verify", VERIFY_LIMIT, VERIFY_WINDOW):
        response = _public_json({"error": "too many checks"}, status=429)
        response["Retry-After"] = str(VERIFY_WINDOW)
        return response
    form = CertificateCodeForm({"code": code})
    certificate = None
    if form.is_valid():
        certificate = Certificate.objects.filter(code=form.cleaned_data["code"]).first()
    if certificate is None:
        raise Http404("No such credential")
    state = certificate.status_at(timezone.now())
    return _public_json(badges.status_document(certificate, state))


@require_GET
@login_required
@never_cache
def download(request: HttpRequest, code: str) -> HttpResponse:
    """The learner's own certificate as a signed credential (VC-JWT), to keep or share."""
    key = _key_or_404()
    certificate = get_certificate_for(request.user, code)
    if certificate.revoked_at is not None:
        raise Http404("A revoked certificate has no credential")
    certificate.user = request.user  # the holder: no second query for the same row
    response = HttpResponse(
        badges.signed_credential(certificate, key), content_type=badges.MEDIA_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="sharedresp-{certificate.code}.jwt"'
    return response


@require_GET
@login_required
@permission_required("quiz.revoke_certificate", raise_exception=True)
def setup(request: HttpRequest) -> HttpResponse:
    """For the staff member who configured badges: on, off, or what is wrong with the key."""
    problem, key = "", None
    if badges.is_configured():
        try:
            key = badges.load_key()
        except badges.BadgeKeyError as error:
            problem = str(error)
    context = {
        "configured": badges.is_configured(),
        "key": key,
        "problem": problem,
        "issuer_url": badges.absolute(reverse("lms:badge_issuer")),
        "jwks_url": badges.absolute(reverse("lms:badge_jwks")),
    }
    return render(request, "lms/badges_setup.html", context)
