"""A fixed-window limit on requests per client address, counted in Django's cache.

With REDIS_URL set the cache is shared, so the limit holds across every app process;
with the default local-memory cache each process counts on its own.
"""

import time

from django.core.cache import cache


def over_limit(request, scope: str, limit: int, window: int) -> bool:
    """Count this request; True once the address has made more than `limit` requests in
    the current `window` seconds."""
    # REMOTE_ADDR, not X-Forwarded-For, which any client can write. Behind a proxy,
    # the proxy must set REMOTE_ADDR (or every client shares the proxy's limit).
    address = request.META.get("REMOTE_ADDR", "")
    key = f"ratelimit:{scope}:{address}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ended between add and incr; this is the first of the next one.
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
