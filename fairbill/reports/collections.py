"""The dashboard's automatic payments: what was collected from saved methods this month,
and the failed charges staff should look at (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fairbill.core.aggregates import MoneySum
from fairbill.core.money import ZERO
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import Payment, PaymentAttempt

State = PaymentAttempt.State


@dataclass(frozen=True)
class Collections:
    collected: Decimal  # this calendar month, in the business currency
    collected_count: int
    to_look_at: int  # unpaid invoices whose latest charge failed or has no answer
    attempts: list[PaymentAttempt]  # the latest of them


def collections_summary(*, as_of: date, currency: str, limit: int = 8) -> Collections:
    month = Payment.objects.filter(
        currency=currency,
        received_on__gte=as_of.replace(day=1),
        received_on__lte=as_of,
        attempts__state=State.SUCCEEDED,
    ).aggregate(total=MoneySum("amount"))
    count = (
        Payment.objects.filter(
            currency=currency,
            received_on__gte=as_of.replace(day=1),
            received_on__lte=as_of,
            attempts__state=State.SUCCEEDED,
        )
        .distinct()
        .count()
    )
    # failed or unknown, on an invoice still unpaid with no charge under way or done since
    stuck = (
        PaymentAttempt.objects.filter(
            state__in=[State.FAILED, State.UNKNOWN], invoice__status=Invoice.Status.UNPAID
        )
        .exclude(failure_code="not_needed")
        .exclude(invoice__attempts__state__in=[State.SCHEDULED, State.SUBMITTED, State.PENDING])
        .exclude(invoice__attempts__state=State.SUCCEEDED)
    )
    invoices = stuck.values("invoice_id").distinct().count()
    latest = list(
        stuck.select_related("invoice", "customer", "method").order_by("-updated_at", "-pk")[
            : limit * 4
        ]
    )
    shown: list[PaymentAttempt] = []
    seen: set[int] = set()
    for attempt in latest:
        if attempt.invoice_id not in seen:
            seen.add(attempt.invoice_id)
            shown.append(attempt)
    return Collections(
        collected=month["total"] or ZERO,
        collected_count=count,
        to_look_at=invoices,
        attempts=shown[:limit],
    )
