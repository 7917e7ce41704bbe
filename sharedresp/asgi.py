import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
application = get_asgi_application()

# This process makes the live room's pages for its streams: compile their template now,
# not while a thousand phones wait for the first host action.
from django.template.loader import get_template  # noqa: E402 - needs the app loaded

get_template("workshops/participate.html")
