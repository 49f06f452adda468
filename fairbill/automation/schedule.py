"""When the daily billing run is due: once per business day, at or after the configured hour
(FAIRBILL_BILLING_HOUR, business time zone), unless a run for that day already finished or is
running. A run whose process is gone is marked interrupted first, so the day is run again
(nothing is billed twice: the run is idempotent)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings

from fairbill.core import clock
from fairbill.invoicing.models import BillingRun
from fairbill.invoicing.run_records import runs_mark_interrupted

RETRY_FAILED_AFTER = timedelta(minutes=15)  # a run that raised is tried again, not in a loop


def billing_due(now: datetime) -> date | None:
    local = now.astimezone(clock.business_zone())
    if local.hour < settings.BILLING_HOUR:
        return None
    today = local.date()
    runs_mark_interrupted(now)
    runs = BillingRun.objects.filter(as_of=today, dry_run=False)
    done = runs.filter(status__in=[BillingRun.Status.FINISHED, BillingRun.Status.RUNNING])
    failed_lately = runs.filter(
        status=BillingRun.Status.FAILED, finished_at__gt=now - RETRY_FAILED_AFTER
    )
    return None if done.exists() or failed_lately.exists() else today
