"""The EmailLog table is the outbox: queued emails a crash left behind are sent by the worker,
each at most once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from fairbill.core import clock
from fairbill.notifications.models import EmailLog
from fairbill.notifications.outbox import SENDING_STALE, email_claim
from fairbill.notifications.services import email_queue
from fairbill.notifications.tasks import outbox_send


def queued_email(customer) -> EmailLog:
    """An email whose after-commit task never ran (the test's transaction never commits, as
    when the process is killed between the commit and the task)."""
    return email_queue(template="welcome", customer_id=customer.pk, context={})


def later(minutes: int):
    return time_machine.travel(clock.now() + timedelta(minutes=minutes), tick=False)


def test_queued_email_left_behind_is_sent_once_by_the_sweep(customer):
    log = queued_email(customer)
    with later(5):
        assert outbox_send()["sent"] == 1
        assert outbox_send()["sent"] == 0
    log.refresh_from_db()
    assert log.status == "sent"
    assert [m.to for m in mail.outbox] == [["jane@example.com"]]


def test_fresh_queued_email_is_left_to_its_task(customer):
    queued_email(customer)
    assert outbox_send() == {"sent": 0, "failed": 0, "skipped": 0}
    assert mail.outbox == []


def test_an_email_is_claimed_by_one_sender_only(customer):
    log = queued_email(customer)
    other = EmailLog.objects.get(pk=log.pk)
    assert email_claim(log) is True
    assert email_claim(other) is False
    with later(5):  # the sweep does not take an email being sent
        assert outbox_send()["sent"] == 0
    assert mail.outbox == []


def test_email_left_sending_by_a_crash_is_sent_again_later(customer):
    log = queued_email(customer)
    assert email_claim(log)  # and the sender died during SMTP
    with later(5):
        assert outbox_send()["sent"] == 0
    with later(int(SENDING_STALE.total_seconds() // 60) + 1):
        assert outbox_send()["sent"] == 1
    assert len(mail.outbox) == 1


# The worker closes stale connections between polls: it needs real transactions.
@pytest.mark.django_db(transaction=True)
def test_worker_pass_sweeps_the_outbox(customer, settings):
    # given an email whose sending task was never stored (the process died after the commit)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    queued_email(customer)
    DBTaskResult.objects.all().delete()
    # when the worker passes a few minutes later, it sends it
    with later(5):
        call_command("worker", "--once", "--no-schedule", stdout=StringIO())
    assert EmailLog.objects.get().status == "sent"
    assert len(mail.outbox) == 1
