from __future__ import annotations

from django.db.models import QuerySet
from django_tasks import task

from fairbill.core.hooks import hook_call
from fairbill.notifications.models import EmailLog
from fairbill.notifications.outbox import email_claim, outbox_due
from fairbill.notifications.services import EMAIL_FAILED, email_send


@task()
def send_emails(log_ids: list[int]) -> dict[str, int]:
    """Send queued emails (one task per action)."""
    return _send(EmailLog.objects.filter(pk__in=log_ids))


@task()
def send_email_batch(batch: str) -> dict[str, int]:
    """Send the queued emails of one batch (one task per billing-run batch)."""
    return _send(EmailLog.objects.filter(batch=batch))


def outbox_send() -> dict[str, int]:
    """Send the queued emails a crash left behind (a periodic step of `fairbill worker`)."""
    return _send(outbox_due())


def _send(logs: QuerySet[EmailLog]) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for log in logs.filter(status=EmailLog.Status.QUEUED).order_by("pk"):
        if not email_claim(log):  # another sender has it
            continue
        outcome = email_send(log).status
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == EmailLog.Status.FAILED:
            hook_call(EMAIL_FAILED, log=log)
    return counts
