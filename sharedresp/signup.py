"""Open sign-up in two steps, so that an account exists only for an address its owner reads.

The form asks a name and an address, then always answers "check your email". A new
address gets a signed link (nothing is stored until it is opened); an address that
already has an account gets a note saying so, with links to log in or reset the
password. So the page never tells a visitor whether an account exists, and nobody can
take an address they cannot read.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

logger = logging.getLogger(__name__)
SALT = "sharedresp.signup"


def make_token(email: str, name: str) -> str:
    return signing.dumps({"email": email, "name": name}, salt=SALT, compress=True)


def read_token(token: str) -> dict | None:
    """The address and name the link was made for, or None when it is forged or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not {"email", "name"} <= data.keys():
        return None
    return data


def email_for(email: str, name: str, base_url: str) -> EmailMessage:
    """The link to finish signing up, or, for an address with an account, a note."""
    base_url = base_url.rstrip("/")
    context = {
        "name": name,
        "link_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        "login_url": base_url + reverse("login"),
        "reset_url": base_url + reverse("password_reset"),
    }
    if get_user_model().objects.filter(email=email).exists():
        template = "already"
    else:
        template = "confirm"
        context["link"] = base_url + reverse("signup_confirm", args=[make_token(email, name)])
    subject = render_to_string(f"registration/signup_{template}_subject.txt", context)
    body = render_to_string(f"registration/signup_{template}_body.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[email])


def send(email: str, name: str, base_url: str) -> None:
    """Send the sign-up email. A mail server that is down is logged, never shown: the
    answer to the visitor must be the same whatever happens to the address."""
    try:
        email_for(email, name, base_url).send()
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not send the sign-up email")
