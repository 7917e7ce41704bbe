"""Import emails through a real SMTP server on 127.0.0.1 that is down, then back up."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cohorts.tasks import retry_delay
from tests.cohorts.test_import import upload

pytestmark = pytest.mark.django_db

PEOPLE = 250  # three tasks of up to 100


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp_port(settings):
    """A port on 127.0.0.1 where no server listens yet, set as the mail server's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    return port


def test_every_email_is_sent_once_when_the_mail_server_is_back(
    manager_client, cohort, smtp_port, run_tasks
):
    rows = "".join(f"person{n}@example.com,Person {n}\n" for n in range(PEOPLE))
    response = upload(manager_client, cohort, ("email,name\n" + rows).encode())
    assert response.status_code == 302  # the import does not wait for the mail server
    assert cohort.members.count() == PEOPLE
    assert DBTaskResult.objects.filter(status="READY").count() == 3

    run_tasks()  # the server is down: every task fails and queues its retry
    retries = DBTaskResult.objects.filter(status="READY")
    assert retries.count() == 3
    assert all(retry.args_kwargs["kwargs"]["attempt"] == 2 for retry in retries)
    assert all(retry.run_after >= timezone.now() + retry_delay(1) / 2 for retry in retries)

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        run_tasks()  # back up, but the retries are not due yet
        assert inbox.messages == []
        retries.update(run_after=timezone.now())
        run_tasks()
    finally:
        server.stop()
    recipients = sorted(message["To"] for message in inbox.messages)
    assert recipients == sorted(f"person{n}@example.com" for n in range(PEOPLE))
    assert "/accounts/reset/" in inbox.messages[0].get_payload()
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_retry_delay_doubles_up_to_half_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [
        30,
        60,
        120,
        1800,
        1800,
        1800,
    ]
