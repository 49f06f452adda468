from __future__ import annotations

from django_tasks import task

from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_send


@task()
def send_emails(log_ids: list[int]) -> dict[str, int]:
    """Send queued emails (one task per action or per billing-run batch)."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for log in EmailLog.objects.filter(pk__in=log_ids, status=EmailLog.Status.QUEUED).order_by(
        "pk"
    ):
        outcome = email_send(log).status
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == EmailLog.Status.FAILED and log.template == "signup":
            from fairbill.subscriptions.orders import order_signup_email_failed

            order_signup_email_failed(log=log)
    return counts
