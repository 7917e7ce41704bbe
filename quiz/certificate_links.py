"""Links that higher apps add to a certificate's page, without quiz importing them.

An extension point quiz owns: lms registers a provider in its AppConfig.ready() (the
Open Badges credential to download, "Add to LinkedIn"), and the certificate page shows
what the providers return. With none registered, the page shows no such links.

A provider is `provider(request, certificate, status) -> list[CertificateLink]`, where
`status` is the certificate's Certificate.Status now. It costs no query of its own beyond
what the certificate already holds, and it never raises for a learner: a provider that
cannot offer its link (not configured, a broken key) returns none.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateLink:
    url: str
    label: str  # the call to action, e.g. "Add to LinkedIn"
    detail: str = ""  # one line on what the link gives
    download: str = ""  # a file name: the link downloads a file rather than opens a page
    external: bool = False  # the link leaves the site


Provider = Callable[[object, object, str], list[CertificateLink]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add a provider once (ready() may run more than once in tests)."""
    if provider not in _providers:
        _providers.append(provider)


def links_for(request, certificate, status) -> list[CertificateLink]:
    return [link for provider in _providers for link in provider(request, certificate, status)]
