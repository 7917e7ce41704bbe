"""A fixed-window limit on requests per client address, counted in Django's cache.

The one rate-limit mechanism of the project (certificate checks, joins, logins). With
REDIS_URL set the cache is shared, so a limit holds across every app process: each
count is one atomic Redis operation. With the default local-memory cache each process
counts on its own, which is only right for a single process.
"""

import functools
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache


@functools.cache
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    """The address of the client: REMOTE_ADDR, unless that is one of our proxies.

    A trusted proxy (TRUSTED_PROXIES, e.g. nginx on 127.0.0.1) appends the address it
    saw to X-Forwarded-For. Anything to the left of that may be written by the client,
    so the header is read from the right, past our own proxies, to the first address
    none of them is. From any other sender the header is ignored.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if not _trusted(address):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop):
            return hop
        address = hop
    return address


def over_limit(request, scope: str, limit: int, window: int, *, key: str = "") -> bool:
    """Count this request; True once the client has made more than `limit` requests in
    the current `window` seconds. With `key` (an account, say) the count is kept per
    key instead of per client address."""
    who = key or client_address(request)
    key = f"ratelimit:{scope}:{who}:{int(time.time() // window)}"
    for _attempt in range(2):
        # add (SET NX with expiry) and incr (INCR) are each atomic in Redis and in the
        # local-memory cache, so concurrent processes never lose a count.
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key) > limit
        except ValueError:
            continue  # the key expired between the two calls: count again from zero
    return False
