"""The EmailLog table is the outbox: a queued row is an email still to send.

Emails are queued in the transaction of the action that sends them and sent by a task after
commit. A crash between the commit and that task (or a worker killed mid-batch) leaves rows
`queued`; the worker's sweep (`outbox_due`, every minute or so) sends every queued row older
than EMAIL_OUTBOX_AFTER_SECONDS. A sender claims each email before sending it, with a
conditional UPDATE (queued -> sending) that only one sender can win, so an email is sent at
most once by the task and the sweep together. A crash during the SMTP exchange leaves that one
email `sending`; after SENDING_STALE it is queued again (it may go out twice; never a batch).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from fairbill.core import clock
from fairbill.notifications.models import EmailLog

SENDING_STALE = timedelta(minutes=15)


def email_claim(log: EmailLog) -> bool:
    """Take a queued email for sending; False when another sender has it (or sent it)."""
    now = clock.now()
    claimed = EmailLog.objects.filter(pk=log.pk, status=EmailLog.Status.QUEUED).update(
        status=EmailLog.Status.SENDING, claimed_at=now
    )
    if claimed:
        log.status, log.claimed_at = EmailLog.Status.SENDING, now
    return bool(claimed)


def outbox_due(now: datetime | None = None) -> QuerySet[EmailLog]:
    """The queued emails the after-commit task should have sent by now. Emails left `sending`
    by a crashed sender are queued again first."""
    now = now or clock.now()
    EmailLog.objects.filter(
        status=EmailLog.Status.SENDING, claimed_at__lt=now - SENDING_STALE
    ).update(status=EmailLog.Status.QUEUED)
    return EmailLog.objects.filter(
        status=EmailLog.Status.QUEUED,
        created_at__lt=now - timedelta(seconds=settings.EMAIL_OUTBOX_AFTER_SECONDS),
    )
