"""LTI 1.3 (Advantage) as a tool: login initiation, launch, deep linking, grade passback.

Written on PyJWT (already here for OpenID Connect sign-in) rather than a tool library:
pylti1p3 is unmaintained since 2022 and brings its own framework glue and cache, and
django-lti brings its own models, views and admin for what this app keeps in a few tables
of its own. The protocol parts are small: check a platform-signed JWT against the
platform's keyset, sign two kinds of JWT with our key, and make two HTTP calls for a score.

Outside calls (the platform's keyset, its token and score endpoints) give up after
LMS_TIMEOUT seconds; a failure is recorded on the platform for the staff page.
"""

import datetime
import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbing.claims import display_name

from .models import GradeLink, LoginState, Platform, PlatformAccount, ToolKey

logger = logging.getLogger(__name__)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINK_REQUEST = "LtiDeepLinkingRequest"
CLOCK_SKEW = 60  # seconds of disagreement allowed between the platform's clock and ours


class LaunchError(Exception):
    """A login or launch we refuse; `message` is for the person, `status` the HTTP code."""

    status = 400

    def __init__(self, message: str, detail: str = ""):
        super().__init__(detail or message)
        self.message = message


class LaunchForbiddenError(LaunchError):
    status = 403


class AccountExistsError(Exception):
    """The launch names an address that an account here already has, and the platform is
    not trusted to vouch for addresses: the person must sign in once to link them."""

    def __init__(self, platform: Platform, subject: str, email: str):
        super().__init__(email)
        self.platform, self.subject, self.email = platform, subject, email


class PlatformCallError(Exception):
    """A call to a platform failed; the message says what, for the staff page."""


# --- our keys -----------------------------------------------------------------------


def public_jwks() -> dict:
    """Our public keys as a JWK Set, for platforms to check what we sign."""
    keys = []
    for key in ToolKey.objects.order_by("-created_at"):
        public = serialization.load_pem_private_key(key.private_key.encode(), None).public_key()
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
        keys.append({**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"})
    return {"keys": keys}


def sign(payload: dict) -> str:
    key = ToolKey.objects.current()
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})


# --- login initiation ---------------------------------------------------------------


def find_platform(issuer: str, client_id: str = "") -> Platform:
    platforms = Platform.objects.filter(issuer=issuer)
    if client_id:
        platforms = platforms.filter(client_id=client_id)
    found = list(platforms[:2])
    if len(found) != 1:
        raise LaunchError(
            _("This learning platform is not registered with sharedresp. Ask its administrator.")
            if not found
            else _("Your learning platform did not say which registration it is using."),
            f"no single platform for issuer {issuer!r} and client {client_id!r}",
        )
    return found[0]


def login_redirect(params, launch_url: str) -> tuple[str, str]:
    """Start the OIDC login the platform asked for. (URL to send the browser to, state)"""
    issuer, login_hint = params.get("iss", ""), params.get("login_hint", "")
    if not (issuer and login_hint and params.get("target_link_uri")):
        raise LaunchError(_("The launch from your learning platform was incomplete."))
    platform = find_platform(issuer, params.get("client_id", ""))
    # States are good for minutes; those of logins never finished go after a day.
    LoginState.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    login = LoginState.objects.create(
        state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32), platform=platform
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "login_hint": login_hint,
        "state": login.state,
        "nonce": login.nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return platform.auth_login_url + separator + urlencode(query), login.state


# --- launch -------------------------------------------------------------------------

_keysets: dict[str, jwt.PyJWKClient] = {}
_keysets_lock = threading.Lock()


def platform_key(platform: Platform, token: str):
    """The platform's key that signed `token`, from its keyset (cached for 5 minutes)."""
    with _keysets_lock:
        client = _keysets.get(platform.jwks_url)
        if client is None:
            client = jwt.PyJWKClient(platform.jwks_url, lifespan=300, timeout=settings.LMS_TIMEOUT)
            _keysets[platform.jwks_url] = client
    try:
        return client.get_signing_key_from_jwt(token).key
    except jwt.PyJWKClientConnectionError as error:
        platform.record_error(_("Could not fetch the public keyset: %s") % error)
        raise LaunchError(
            _("We could not check this launch with your learning platform. Try again shortly.")
        ) from error
    except (jwt.PyJWKClientError, jwt.DecodeError) as error:
        raise LaunchForbiddenError(
            _("This launch was not signed by your learning platform."), str(error)
        ) from error


@dataclass
class Launch:
    platform: Platform
    claims: dict

    @property
    def message_type(self) -> str:
        return self.claims[LTI + "message_type"]

    @property
    def subject(self) -> str:
        return self.claims["sub"]

    @property
    def deployment_id(self) -> str:
        return self.claims[LTI + "deployment_id"]

    @property
    def target(self) -> str:
        return str((self.claims.get(LTI + "custom") or {}).get("target", ""))


def use_state(state: str) -> LoginState:
    """The login that `state` names, marked used: a second use (a replay) is refused."""
    login = LoginState.objects.select_related("platform").filter(state=state).first()
    if login is None:
        raise LaunchForbiddenError(
            _("This launch was not started here. Open the activity again from your course.")
        )
    if timezone.now() - login.created_at > datetime.timedelta(seconds=login.LIFETIME_SECONDS):
        raise LaunchForbiddenError(
            _("This launch took too long. Open the activity again from your course.")
        )
    # Conditional, so two requests racing with one state cannot both pass.
    if not LoginState.objects.filter(pk=login.pk, used_at=None).update(used_at=timezone.now()):
        raise LaunchForbiddenError(
            _("This launch has already been used. Open the activity again from your course.")
        )
    return login


def validate_launch(state: str, id_token: str, cookie_state: str | None) -> Launch:
    """Check a launch (the id_token the platform posted) as LTI 1.3 and OIDC require."""
    if not state or not id_token:
        raise LaunchError(_("The launch from your learning platform was incomplete."))
    if cookie_state != state:
        # The state is bound to the browser that began the login, so nobody can post a
        # launch of their own into someone else's browser (login CSRF).
        raise LaunchForbiddenError(
            _(
                "This launch did not begin in this browser. Open the activity again from "
                "your course; if it opens inside a frame, set it to open in a new window."
            )
        )
    login = use_state(state)
    platform = login.platform
    try:
        claims = jwt.decode(
            id_token,
            platform_key(platform, id_token),
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=CLOCK_SKEW,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise LaunchForbiddenError(
            _("This launch has expired. Open the activity again from your course."), str(error)
        ) from error
    except jwt.InvalidTokenError as error:
        raise LaunchForbiddenError(
            _("This launch was not signed by your learning platform."), str(error)
        ) from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != platform.client_id:
        raise LaunchForbiddenError(_("This launch was meant for another tool."))
    if not secrets.compare_digest(str(claims["nonce"]), login.nonce):
        raise LaunchForbiddenError(
            _("This launch was not started here. Open the activity again from your course.")
        )
    if claims.get(LTI + "deployment_id") not in platform.deployments:
        raise LaunchForbiddenError(
            _("This course's deployment of sharedresp is not registered. Ask its administrator.")
        )
    if claims.get(LTI + "version") != "1.3.0" or claims.get(LTI + "message_type") not in {
        RESOURCE_LINK,
        DEEP_LINK_REQUEST,
    }:
        raise LaunchError(_("Your learning platform sent a kind of launch we do not support."))
    if not str(claims["sub"]).strip():
        raise LaunchForbiddenError(_("sharedresp needs to know who you are: sign in to your LMS."))
    return Launch(platform, claims)


# --- who is launching ----------------------------------------------------------------


def account_for(launch: Launch):
    """The sharedresp account of the person launching, matched by (issuer, subject).

    A first launch links an account: a new one, or the one with the launch's address if
    the platform is trusted to vouch for addresses; else AccountExistsError, and the
    person signs in here once to prove the account is theirs (link_account).
    """
    platform, claims = launch.platform, launch.claims
    linked = (
        PlatformAccount.objects.select_related("user")
        .filter(issuer=platform.issuer, subject=launch.subject)
        .first()
    )
    if linked:
        return linked.user
    User = get_user_model()
    claimed = User.objects.normalize_email(str(claims.get("email") or ""))
    existing = User.objects.filter(email=claimed).first() if claimed else None
    if existing is not None:
        verified = claims.get("email_verified", True) is not False
        if not (platform.trust_email and verified):
            raise AccountExistsError(platform, launch.subject, claimed)
        return link_account(platform.issuer, launch.subject, existing)
    # No address, or one nobody here has: a new account. Without an address it gets a
    # reserved one (RFC 2606 .invalid), unique to the subject, that can receive nothing.
    digest = hashlib.sha256(f"{platform.issuer}\n{launch.subject}".encode()).hexdigest()[:24]
    email = claimed or f"lti-{digest}@lti.invalid"
    name = display_name({**claims, "email": email}) if claims.get("name") or claimed else ""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, name=name)
            return link_account(platform.issuer, launch.subject, user)
    except IntegrityError:
        # The same person's first launch in two tabs at once: the other one linked it.
        return PlatformAccount.objects.get(issuer=platform.issuer, subject=launch.subject).user


def link_account(issuer: str, subject: str, user):
    with transaction.atomic():
        PlatformAccount.objects.get_or_create(
            issuer=issuer, subject=subject, defaults={"user": user}
        )
    return PlatformAccount.objects.select_related("user").get(issuer=issuer, subject=subject).user


def remember_grade_link(launch: Launch, user, quiz) -> None:
    """A quiz launched from a gradebook column with score access: send its scores there."""
    endpoint = launch.claims.get(AGS_ENDPOINT) or {}
    resource = (launch.claims.get(LTI + "resource_link") or {}).get("id")
    if not (endpoint.get("lineitem") and SCORE_SCOPE in endpoint.get("scope", []) and resource):
        return
    GradeLink.objects.update_or_create(
        user=user,
        platform=launch.platform,
        resource_link_id=str(resource)[:255],
        defaults={"quiz": quiz, "subject": launch.subject, "lineitem_url": endpoint["lineitem"]},
    )


# --- deep linking --------------------------------------------------------------------


def deep_linking_response(platform: Platform, request: dict, items: list[dict]) -> str:
    """The signed LtiDeepLinkingResponse that returns the teacher's choice to the platform.

    `request` is what the deep linking launch said: deployment_id and data.
    """
    now = int(time.time())
    payload = {
        "iss": platform.client_id,
        "aud": [platform.issuer],
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        LTI + "deployment_id": request["deployment_id"],
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        DEEP_LINKING + "content_items": items,
    }
    if request.get("data"):
        payload[DEEP_LINKING + "data"] = request["data"]
    return sign(payload)


# --- grade passback ------------------------------------------------------------------


def access_token(platform: Platform, scopes: list[str]) -> str:
    """An OAuth 2 token for `scopes`, by the client-credentials grant with a JWT that we
    sign (RFC 7523), as LTI Advantage services require."""
    now = int(time.time())
    assertion = sign(
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.access_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        }
    )
    try:
        response = requests.post(
            platform.access_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            },
            timeout=settings.LMS_TIMEOUT,
        )
        response.raise_for_status()
        return response.json()["access_token"]
    except (requests.RequestException, ValueError, KeyError) as error:
        raise PlatformCallError(
            _("The token endpoint refused or failed: %s") % describe(error)
        ) from error


def scores_url(lineitem: str) -> str:
    """The line item's scores endpoint: `/scores` after its path, before any query."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def post_score(link: GradeLink, score: int, timestamp: str) -> None:
    token = access_token(link.platform, [SCORE_SCOPE])
    try:
        response = requests.post(
            scores_url(link.lineitem_url),
            json={
                "userId": link.subject,
                "scoreGiven": score,
                "scoreMaximum": 100,
                "activityProgress": "Completed",
                "gradingProgress": "FullyGraded",
                "timestamp": timestamp,
            },
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/vnd.ims.lis.v1.score+json",
            },
            timeout=settings.LMS_TIMEOUT,
        )
        response.raise_for_status()
    except requests.RequestException as error:
        raise PlatformCallError(
            _("The score endpoint refused or failed: %s") % describe(error)
        ) from error


def describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None:
        return f"HTTP {response.status_code} from {response.url}: {response.text[:300]}"
    return f"{type(error).__name__}: {error}"
