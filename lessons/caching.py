"""Pages that depend on the course content, rendered once per content version.

The cache key holds the content version (`ContentVersion`, bumped by load_content and
by admin edits), the address with its query, the htmx headers, the language, who is
looking and anything else the view names in `vary`. A new version simply means new keys:
nothing is purged, and old entries expire.

A page is stored with a placeholder where the CSRF token goes, and each response gets
the visitor's own token, so one rendering serves every anonymous visitor. A view that
puts anything else about the visitor on the page must name it in `vary`.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from .models import ContentVersion

CSRF_PLACEHOLDER = "csrf-token-placeholder"
TIMEOUT = 24 * 60 * 60
# A logged-in page also shows the account's own menu (its groups can change in the
# admin): kept a few minutes only.
ACCOUNT_TIMEOUT = 5 * 60


def version_for(request: HttpRequest) -> int:
    """The content version, read once per request."""
    if not hasattr(request, "content_version"):
        request.content_version = ContentVersion.current()
    return request.content_version


def _key(request: HttpRequest, *parts) -> str:
    headers = request.headers
    raw = repr(
        (
            request.get_full_path(),
            headers.get("HX-Request"),
            headers.get("HX-History-Restore-Request"),
            get_language(),
            *parts,
        )
    )
    # The number is the entry's shape: processes of a new release read none of the old.
    return "page:2:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


# The values of content_memo this process holds: name to (version, value).
_memos: dict[str, tuple[int, object]] = {}


def content_memo(name: str, version: int, build):
    """A value computed from content alone, once per content version: built by one
    process, shared through the cache, and then held by each process until the version
    changes."""
    held = _memos.get(name)
    if held is not None and held[0] == version:
        return held[1]
    key = f"content:{name}:{version}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    _memos[name] = (version, value)
    return value


def cached_page(request: HttpRequest, render, *, per_viewer: bool = True, vary=()):
    """The response of `render(extra_context)`, from the cache when it is there.

    `per_viewer=False` is for fragments that show nothing about the visitor (no menu,
    no form): one copy serves everyone, logged in or not.
    """
    if "messages" in request.COOKIES:
        # A one-off notice is waiting to be shown: this page is not the usual one.
        return render({})
    viewer = "all"
    timeout = TIMEOUT
    if per_viewer:
        viewer = request.user.pk if request.user.is_authenticated else "anonymous"
        timeout = ACCOUNT_TIMEOUT if request.user.is_authenticated else TIMEOUT
    key = _key(request, version_for(request), viewer, *vary)
    entry = cache.get(key)
    if entry is None:
        response = render({"csrf_token": CSRF_PLACEHOLDER})
        content = response.content.decode(response.charset)
        digest = hashlib.blake2b(content.encode(), digest_size=16).hexdigest()
        if response.status_code == 200 and not response.cookies:
            cache.set(key, (response["Content-Type"], content, digest), timeout)
    else:
        content_type, content, digest = entry
        response = HttpResponse(content_type=content_type)
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
        # The page differs from the stored one only by the visitor's token, whose mask
        # changes every time: the validator holds the secret behind it instead.
        digest = hashlib.blake2b(
            (digest + request.META["CSRF_COOKIE"]).encode(), digest_size=16
        ).hexdigest()
    response.content = content
    if response.status_code == 200:
        response["ETag"] = f'"{digest}"'
    return response
