"""A CSV import of 5,000 new members while the mail server is down, then the worker once
it is back: the import's time, and every email delivered exactly once.

In one process against the database in DATABASE_URL (PostgreSQL): a manager and a cohort
are made, the file is uploaded through Django's test client with the SMTP backend
pointed at a port where nothing listens, then a real SMTP server (aiosmtpd) starts on
127.0.0.1 and the task worker (`db_worker --batch`) sends the queued emails, the retries
made due at once. The bench's users and cohort are deleted at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/import_mail.py
"""

import argparse
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Inbox:
    def __init__(self):
        self.recipients = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8590, help="the SMTP server's")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedresp.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"  # the test client's
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    os.environ["DJANGO_EMAIL_HOST"] = "127.0.0.1"
    os.environ["DJANGO_EMAIL_PORT"] = str(options.port)
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from cohorts.models import Cohort

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", options.port)) == 0:
            sys.exit(f"something listens on {options.port}: the mail server must be down")
    User = get_user_model()
    User.objects.filter(email__startswith="bench-import-").delete()
    manager = User.objects.create_user("bench-import-manager@example.com", name="Bench")
    manager.groups.add(Group.objects.get(name="Manager"))
    cohort = Cohort.objects.create(name="Bench import", owner=manager, due_date="2030-01-01")
    rows = "".join(f"bench-import-{n}@example.com,Person {n}\n" for n in range(options.rows))
    client = Client()
    client.force_login(manager)
    started = time.monotonic()
    response = client.post(
        f"/cohorts/{cohort.slug}/import/",
        {
            "cohort": cohort.pk,
            "file": SimpleUploadedFile("people.csv", ("email,name\n" + rows).encode()),
        },
    )
    import_seconds = time.monotonic() - started
    members = cohort.members.count()
    queued = DBTaskResult.objects.filter(status="READY")
    tasks = queued.count()

    def work():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    work()  # the mail server is down: every batch fails and queues its retry
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=options.port)
    server.start()
    started = time.monotonic()
    rounds = 0
    try:
        # Each round makes the retries due at once (the worker would wait 30 s and more).
        while queued.exists() and rounds < 20:
            queued.update(run_after=timezone.now())
            work()
            rounds += 1
    finally:
        server.stop()
    send_seconds = time.monotonic() - started
    wanted = {f"bench-import-{n}@example.com" for n in range(options.rows)}
    duplicates = len(inbox.recipients) - len(set(inbox.recipients))
    missing = len(wanted - set(inbox.recipients))
    cohort.delete()
    User.objects.filter(email__startswith="bench-import-").delete()
    print(
        f"bench: import_mail rows={options.rows} status={response.status_code} "
        f"members={members} tasks={tasks} import_s={import_seconds:.1f} "
        f"emails_sent={len(inbox.recipients)} missing={missing} duplicates={duplicates} "
        f"send_s={send_seconds:.1f} worker_rounds={rounds} "
        f"errors={int(response.status_code != 302) + missing}"
    )


if __name__ == "__main__":
    main()
