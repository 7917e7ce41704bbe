"""Every certificate as an Open Badges 3.0 credential, signed as a VC-JWT (EdDSA).

The credential is a W3C Verifiable Credential (data model 2.0) of type
OpenBadgeCredential: the issuer's Profile, and a credentialSubject holding the
Achievement (passing the course's certification exam). It is signed with the site's
Ed25519 key as a compact JWS whose payload is the credential itself plus the registered
JWT claims (iss, jti, nbf, exp), as Open Badges 3.0 describes its VC-JWT proof.

Anyone can check one offline with the public key from /badges/jwks.json, and online
whether it was revoked since: credentialStatus names /badges/status/<code>.

Off until OPEN_BADGES_PRIVATE_KEY_FILE names the key. A key that cannot be used never
breaks a learner's page: the links are not offered, the system check
(`manage.py check`) and the staff page /lms/badges/ say what is wrong.
"""

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from quiz.models import Certificate

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
REVOCATION_LIST = "1EdTechRevocationList"
MEDIA_TYPE = "application/vc+jwt"
# Names the certificates' credentials: uuid5(this, code) is the same on every download.
CREDENTIAL_NAMESPACE = uuid.UUID("6f1d8f52-3c1e-5d0b-9a36-0f2b7c9a4e11")


class BadgeKeyError(Exception):
    """The configured key cannot sign: a message for the staff member who set it."""


@dataclass(frozen=True)
class IssuerKey:
    private_key: Ed25519PrivateKey
    public_jwk: dict  # with its kid, the RFC 7638 thumbprint

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def is_configured() -> bool:
    return bool(settings.OPEN_BADGES_PRIVATE_KEY_FILE)


def load_key() -> IssuerKey:
    """The issuer key from OPEN_BADGES_PRIVATE_KEY_FILE, or BadgeKeyError saying why not.

    Read once per version of the file (path, size and change time), so replacing the key
    takes effect without a restart and a page never reads the file twice.
    """
    path = settings.OPEN_BADGES_PRIVATE_KEY_FILE
    if not path:
        raise BadgeKeyError(_("Open Badges are off: OPEN_BADGES_PRIVATE_KEY_FILE is not set."))
    try:
        stat = os.stat(path)
    except OSError as error:
        raise BadgeKeyError(
            _("The Open Badges key file %(path)s cannot be read: %(reason)s.")
            % {"path": path, "reason": error.strerror}
        ) from error
    return _load_key(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _load_key(path: str, _size: int, _changed: int) -> IssuerKey:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise BadgeKeyError(
            _("The Open Badges key file %(path)s cannot be read: %(reason)s.")
            % {"path": path, "reason": error.strerror}
        ) from error
    try:
        private_key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise BadgeKeyError(
            _(
                "The Open Badges key file %(path)s is not an unencrypted PEM private key. "
                "Make one with: openssl genpkey -algorithm ed25519 -out %(path)s"
            )
            % {"path": path}
        ) from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise BadgeKeyError(
            _("The Open Badges key in %(path)s is not an Ed25519 key; credentials need one.")
            % {"path": path}
        )
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    thumbprint = b64url(hashlib.sha256(_compact_json(jwk)).digest())  # RFC 7638: sorted keys
    return IssuerKey(private_key, {**jwk, "kid": thumbprint, "alg": "EdDSA", "use": "sig"})


def usable_key() -> IssuerKey | None:
    """The key, or None when badges are off or the key is broken (the check reports it)."""
    if not is_configured():
        return None
    try:
        return load_key()
    except BadgeKeyError:
        return None


def absolute(path: str) -> str:
    """Addresses inside a credential are fixed by the site's address, never a request's
    Host header: a signed credential must not name whatever host a client sent."""
    return settings.SITE_URL.rstrip("/") + path


def issuer_profile() -> dict:
    return {
        "id": absolute(reverse("lms:badge_issuer")),
        "type": ["Profile"],
        "name": settings.OPEN_BADGES_ISSUER_NAME,
        "url": absolute("/"),
    }


def credential_id(certificate: Certificate) -> str:
    return f"urn:uuid:{uuid.uuid5(CREDENTIAL_NAMESPACE, certificate.code)}"


def _timestamp(moment) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def credential_for(certificate: Certificate) -> dict:
    """The unsigned OpenBadgeCredential of a certificate (its quiz and user loaded)."""
    quiz = certificate.quiz
    email = certificate.user.email.strip().lower()
    # The email is hashed with a salt, as Open Badges allows: the holder can prove it is
    # theirs, and the credential does not hand out their address.
    email_hash = hashlib.sha256((email + certificate.code).encode("utf-8")).hexdigest()
    return {
        "@context": CONTEXTS,
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _("%(course)s certificate") % {"course": certificate.course_title},
        "issuer": issuer_profile(),
        "validFrom": _timestamp(certificate.issued_at),
        "validUntil": _timestamp(certificate.expires_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.name,
                },
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": f"sha256${email_hash}",
                    "salt": certificate.code,
                },
            ],
            "achievement": {
                "id": absolute(quiz.get_absolute_url()),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": certificate.course_title,
                "description": _(
                    "Passed the certification exam of the course %(course)s: who secures "
                    "what on AWS, under the shared responsibility model."
                )
                % {"course": certificate.course_title},
                "criteria": {
                    "narrative": _(
                        "Pass the timed certification exam (%(title)s) at the pass mark or above."
                    )
                    % {"title": quiz.title}
                },
            },
        },
        "credentialStatus": {
            "id": absolute(reverse("lms:badge_status", args=[certificate.code])),
            "type": REVOCATION_LIST,
        },
        "evidence": [
            {
                "id": absolute(certificate.get_absolute_url()),
                "type": ["Evidence"],
                "name": _("Certificate check"),
            }
        ],
    }


def sign(credential: dict, key: IssuerKey) -> str:
    """The credential as a compact JWS: header.payload.signature, EdDSA over Ed25519."""
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": key.kid}
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": _epoch(credential["validFrom"]),
        "exp": _epoch(credential["validUntil"]),
    }
    signing_input = f"{b64url(_compact_json(header))}.{b64url(_compact_json(claims))}"
    signature = key.private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def _epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def signed_credential(certificate: Certificate, key: IssuerKey) -> str:
    return sign(credential_for(certificate), key)


def jwks(key: IssuerKey) -> dict:
    return {"keys": [key.public_jwk]}


def status_document(certificate: Certificate, status: str) -> dict:
    """The certificate's entry of the 1EdTech revocation list: it lists the credential
    when the certificate is revoked (expiry needs no list: validUntil says it)."""
    revoked = status == Certificate.Status.REVOKED
    return {
        "id": absolute(reverse("lms:badge_status", args=[certificate.code])),
        "type": REVOCATION_LIST,
        "issuer": absolute(reverse("lms:badge_issuer")),
        "status": str(status),
        "revokedCredentials": [{"id": credential_id(certificate)}] if revoked else [],
    }
