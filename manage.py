#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
    # A checkout without a secret key is a developer's machine: manage.py then runs in
    # debug mode, as `make run` does. Servers set DJANGO_SECRET_KEY, and the WSGI entry
    # point never defaults to debug.
    if not os.environ.get("DJANGO_SECRET_KEY"):
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
