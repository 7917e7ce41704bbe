"""Request and response plumbing that every page shares."""

import hashlib
import re

from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control

# A masked CSRF token: 64 letters and digits, a fresh mask on every page (BREACH).
CSRF_TOKEN_RE = re.compile(rb"\b[A-Za-z0-9]{64}\b")


def refuse_large_bodies(get_response):
    """Answer 413 from the Content-Length header, before any of the body is read.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not cover file uploads, which it streams
    whole to a temporary file before any view can look at their size.
    """

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            response = render(
                request,
                "413.html",
                {"limit_mb": settings.MAX_REQUEST_BYTES / 1_000_000},
                status=413,
            )
            # The client is still sending: tell it the connection ends here.
            response["Connection"] = "close"
            return response
        return get_response(request)

    return middleware


def page_etag(request, content: bytes) -> str:
    """A validator for an HTML page that ignores the CSRF token's per-page mask.

    The masked token differs on every render, so a plain hash of the page would never
    match; with the visitor's own secret put back in its place, the same page for the
    same visitor hashes the same.
    """
    secret = request.META.get("CSRF_COOKIE", "")

    def unmasked(match):
        token = match.group().decode()
        return secret.encode() if secret and _unmask_cipher_token(token) == secret else b""

    digest = hashlib.blake2b(CSRF_TOKEN_RE.sub(unmasked, content), digest_size=16)
    return f'"{digest.hexdigest()}"'


def conditional_pages(get_response):
    """ETag and 304 for HTML pages, and for any response that already has a validator.

    Pages are marked `private, no-cache`: the browser keeps them and asks each time,
    getting a 304 without a body while nothing on the page changed.
    """

    def middleware(request):
        response = get_response(request)
        if request.method != "GET" or response.status_code != 200 or response.streaming:
            return response
        cache_control = response.get("Cache-Control", "")
        if "no-store" in cache_control:
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            if not response.has_header("ETag"):
                response["ETag"] = page_etag(request, response.content)
            if not cache_control:
                patch_cache_control(response, private=True, no_cache=True)
        if response.has_header("ETag"):
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response

    return middleware
