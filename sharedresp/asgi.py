import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
application = get_asgi_application()

# This process makes the live room's pages for its streams: compile their templates now,
# not while a thousand phones wait for the first host action.
from sharedresp.warmup import warm_up  # noqa: E402 - needs the apps loaded

warm_up()
