import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
application = get_wsgi_application()

from sharedresp.warmup import warm_up  # noqa: E402 - needs the apps loaded

warm_up()
