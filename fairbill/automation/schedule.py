"""When the daily billing run is due: once per business day, at or after the configured hour
(FAIRBILL_BILLING_HOUR, business time zone), unless a run for that day already finished."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings

from fairbill.core import clock
from fairbill.invoicing.models import BillingRun


def billing_due(now: datetime) -> date | None:
    local = now.astimezone(clock.business_zone())
    if local.hour < settings.BILLING_HOUR:
        return None
    today = local.date()
    done = BillingRun.objects.filter(
        as_of=today,
        dry_run=False,
        status__in=[BillingRun.Status.FINISHED, BillingRun.Status.RUNNING],
    )
    return None if done.exists() else today
