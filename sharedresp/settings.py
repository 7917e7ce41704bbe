"""sharedresp settings: one module, every deployment difference read from the environment.

Production is the default. `make run` sets DJANGO_DEBUG=1 for local work.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; a typo must stop the app, not silently mean "no"."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Set by the test suite (tests/conftest.py), never by a deployment: tests run with DEBUG
# off, as production does, but need no real secret and no TLS redirect.
TESTING = env_bool("DJANGO_TESTING", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production mode)."
        )
    SECRET_KEY = "django-insecure-local-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "sharedresp",
    "lessons",
    "quiz",
    "workshops",
    "cohorts",
    "lms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "djangosaml2",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sharedresp.middleware.refuse_large_bodies",
    # GZip above ConditionalGet, so validators are computed on the uncompressed page.
    "django.middleware.gzip.GZipMiddleware",
    "sharedresp.middleware.conditional_pages",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Keeps a SAML sign-in's request id between leaving for the provider and coming back;
    # touches nothing on other requests.
    "djangosaml2.middleware.SamlSessionMiddleware",
]

ROOT_URLCONF = "sharedresp.urls"
WSGI_APPLICATION = "sharedresp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sharedresp.context_processors.site",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        # A health check is a `SELECT 1` before each request's first query; a dropped
        # connection instead fails one request per process and is then replaced.
        conn_health_checks=env_bool("DJANGO_CONN_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DEBUG:
    # runserver serves each request on a new thread, and a persistent connection is
    # per thread: kept open, a burst of requests holds one connection each until the
    # server runs out. gunicorn's workers reuse theirs.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes concurrent writers queue on the lock instead of failing with
    # "database is locked" halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if TESTING:
        # A file rather than the shared in-memory database, where a second connection
        # fails at once with "table is locked" instead of waiting: the race tests need
        # concurrent requests to queue as they do in production.
        DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "db.sqlite3-test")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "sharedresp.User"
AUTHENTICATION_BACKENDS = ["sharedresp.backends.OneQueryModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Closed companies turn this off and add people by CSV import or the admin.
SIGNUP_OPEN = env_bool("DJANGO_SIGNUP_OPEN", True)
# The company's own email domains: when set, cohort imports take only these addresses.
COHORT_DOMAINS = env_list("DJANGO_COHORT_DOMAINS", "")


def env_mapping(name: str) -> dict[str, str]:
    """`a=b,c=d` as a dict; anything else stops the app."""
    mapping = {}
    for item in env_list(name, ""):
        key, sep, value = item.partition("=")
        if not (sep and key.strip() and value.strip()):
            raise ImproperlyConfigured(f"{name} takes provider=Role pairs, not {item!r}")
        mapping[key.strip()] = value.strip()
    return mapping


# Single sign-on with OpenID Connect: on once a client id is set.
OIDC_ENABLED = bool(os.environ.get("DJANGO_OIDC_CLIENT_ID"))
OIDC_RP_CLIENT_ID = os.environ.get("DJANGO_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("DJANGO_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("DJANGO_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("DJANGO_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("DJANGO_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("DJANGO_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("DJANGO_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("DJANGO_OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
# What the sign-in button calls the provider ("Sign in with Example Corp").
SSO_LABEL = os.environ.get("DJANGO_SSO_LABEL", "your company account")
# Provider group -> role group, e.g. "facilitators=Facilitator,managers=Manager".
SSO_GROUP_ROLES = env_mapping("DJANGO_SSO_GROUP_ROLES")
SSO_GROUPS_CLAIM = os.environ.get("DJANGO_SSO_GROUPS_CLAIM", "groups")
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "sharedresp.sso.CompanyOIDCBackend"]


def saml_config(site_url: str, idp_metadata: str) -> dict:
    """pysaml2's settings for this site as a SAML 2.0 service provider."""
    return {
        "xmlsec_binary": os.environ.get("DJANGO_SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1"),
        "entityid": f"{site_url}/accounts/saml/metadata/",
        "service": {
            "sp": {
                "name": "sharedresp",
                "endpoints": {
                    "assertion_consumer_service": [
                        (
                            f"{site_url}/accounts/saml/acs/",
                            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                        )
                    ]
                },
                "want_assertions_signed": True,
                "allow_unsolicited": False,
            }
        },
        "metadata": {"local": [idp_metadata]},
        "debug": 0,
    }


# Single sign-on with SAML 2.0: on once the identity provider's metadata file is given.
SAML_ENABLED = bool(os.environ.get("DJANGO_SAML_IDP_METADATA"))
SAML_LABEL = os.environ.get("DJANGO_SAML_LABEL", "your company account (SAML)")
SAML_GROUPS_ATTRIBUTE = os.environ.get("DJANGO_SAML_GROUPS_ATTRIBUTE", "isMemberOf")
SAML_DJANGO_USER_MAIN_ATTRIBUTE = "email"
SAML_ATTRIBUTE_MAPPING = {
    os.environ.get("DJANGO_SAML_EMAIL_ATTRIBUTE", "mail"): ("email",),
    os.environ.get("DJANGO_SAML_NAME_ATTRIBUTE", "displayName"): ("name",),
}
SAML_CREATE_UNKNOWN_USER = True
if SAML_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "sharedresp.sso.CompanySaml2Backend"]

# The LMS integrations (lms/), each off until configured. Every call they make to an
# outside system gives up after this many seconds.
LMS_TIMEOUT = env_int("DJANGO_LMS_TIMEOUT", 10)
# LTI 1.3: launches from the platforms that staff register at /lti/platforms/.
LTI_ENABLED = env_bool("DJANGO_LTI_ENABLED", False)
# xAPI: learning events as statements to a learning record store, on once its URL is set
# (the endpoint's base, e.g. https://lrs.example.com/xAPI/). The actor is the account's
# email ("mbox") or an opaque id ("account").
XAPI_LRS_URL = os.environ.get("DJANGO_XAPI_LRS_URL", "")
XAPI_LRS_USERNAME = os.environ.get("DJANGO_XAPI_LRS_USERNAME", "")
XAPI_LRS_PASSWORD = os.environ.get("DJANGO_XAPI_LRS_PASSWORD", "")
XAPI_ACTOR = os.environ.get("DJANGO_XAPI_ACTOR", "mbox")
if XAPI_ACTOR not in {"mbox", "account"}:
    raise ImproperlyConfigured(f"DJANGO_XAPI_ACTOR must be mbox or account, not {XAPI_ACTOR!r}")
XAPI_ACTOR_SECRET = os.environ.get("DJANGO_XAPI_ACTOR_SECRET", "")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
if TESTING:
    # The real hasher is slow on purpose (about a quarter of a second a password); the
    # tests make hundreds of users and only need hashing to work, not to resist attack.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Shared cache, and the live room's publish/subscribe (workshops.push, workshops.streams).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

# A cache that every process sees, or none: what is kept there must never be stale in
# another process (a logout, a deactivated account). Redis when REDIS_URL is set; without
# it nothing is kept, since a per-process cache would let a change made by one process
# go unseen by the others.
CACHES["shared"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
)

# Anonymous visitors' sessions travel in a signed cookie; only logged-in sessions are
# rows, which `clearsessions` (daily from cron) removes once expired. A logged-in
# session is read from the shared cache, and the row only on a miss.
SESSION_ENGINE = "sharedresp.sessions"
SESSION_CACHE_ALIAS = "shared"

# Work off the request (emails): the database queue by default, written in the same
# transaction as the change; `manage.py db_worker` runs it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Request bodies: refused from the Content-Length header before anything is read
# (sharedresp.middleware), and Django's own limits for what is read.
MAX_REQUEST_BYTES = env_int("DJANGO_MAX_REQUEST_BYTES", 2_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES

# Proxies (nginx) whose X-Forwarded-For is believed; from anyone else the header is
# ignored, since any client can write it. Addresses or networks, comma-separated.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "")

# The live room's event stream is served by the ASGI server (sharedresp.asgi). Should a
# WSGI server (runserver, gunicorn) get the request, it streams this many seconds and
# then lets the browser reconnect, as each stream holds a thread; 0 answers 204, and
# pages poll instead.
LIVE_STREAM_WSGI_SECONDS = env_int("DJANGO_LIVE_STREAM_WSGI_SECONDS", 30 if DEBUG else 0)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production; plain names when debugging and under
        # test, where the live server serves from the finders without a manifest.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "sharedresp <training@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people open the site: links in emails sent outside a request (send_reminders).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://localhost:8000")
SAML_CONFIG = saml_config(SITE_URL.rstrip("/"), os.environ.get("DJANGO_SAML_IDP_METADATA", ""))

# Open Badges 3.0 (lms/badges.py): off until a key is set. The file holds the issuer's
# Ed25519 private key in PEM (`openssl genpkey -algorithm ed25519 -out badges.pem`);
# certificates are then also signed credentials, checkable against /badges/jwks.json.
OPEN_BADGES_PRIVATE_KEY_FILE = os.environ.get("OPEN_BADGES_PRIVATE_KEY_FILE", "")
OPEN_BADGES_ISSUER_NAME = os.environ.get("OPEN_BADGES_ISSUER_NAME", "sharedresp")
# "Add to LinkedIn" on the certificate page: off until switched on; the organization id
# (a number from the company's LinkedIn page) links the entry to it, else the name does.
LINKEDIN_ADD_TO_PROFILE = env_bool("LINKEDIN_ADD_TO_PROFILE", False)
LINKEDIN_ORGANIZATION_ID = os.environ.get("LINKEDIN_ORGANIZATION_ID", "")

# Security headers. The policy allows nothing inline: htmx is configured by a <meta>
# tag and all behaviour lives in static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # pysaml2's schema library notes at INFO each schema it meets twice, on every command.
    "loggers": {"xmlschema": {"level": "WARNING"}},
}
