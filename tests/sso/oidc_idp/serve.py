"""Migrate, seed the people and the client from the environment, and serve until killed.

IDP_PORT, IDP_DATABASE, IDP_PRIVATE_KEY, IDP_CLIENT_ID, IDP_CLIENT_SECRET,
IDP_REDIRECT_URI, and IDP_PEOPLE: `username:password:email:First Last:group1|group2;...`
"""

import io
import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.oidc_idp.settings"
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import run  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


def seed():
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    for person in os.environ["IDP_PEOPLE"].split(";"):
        username, password, email, name, groups = person.split(":")
        first, _space, last = name.partition(" ")
        user = User.objects.create_user(
            username, email, password, first_name=first, last_name=last
        )
        for group in filter(None, groups.split("|")):
            user.groups.add(Group.objects.get_or_create(name=group)[0])
    Application.objects.create(
        name="sharedresp",
        client_id=os.environ["IDP_CLIENT_ID"],
        client_secret=os.environ["IDP_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["IDP_REDIRECT_URI"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


if __name__ == "__main__":
    seed()
    run("127.0.0.1", int(os.environ["IDP_PORT"]), get_wsgi_application(), threading=True)
