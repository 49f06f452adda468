"""The dashboard's automatic payments: what was collected from saved methods this month,
and the failed charges staff should look at (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fairbill.core.aggregates import MoneySum
from fairbill.core.money import ZERO
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import PaymentAttempt

State = PaymentAttempt.State


@dataclass(frozen=True)
class Collections:
    collected: Decimal  # this calendar month, in the business currency
    collected_count: int
    to_look_at: int  # unpaid invoices whose latest charge failed or has no answer
    attempts: list[PaymentAttempt]  # the latest of them


def collections_summary(*, as_of: date, currency: str, limit: int = 8) -> Collections:
    """One query for the figures, one more for the list when there is something to look at
    (the dashboard keeps a fixed number of queries)."""
    collected = Q(
        state=State.SUCCEEDED,
        payment__currency=currency,
        payment__received_on__gte=as_of.replace(day=1),
        payment__received_on__lte=as_of,
    )
    figures = PaymentAttempt.objects.aggregate(
        collected=MoneySum("payment__amount", filter=collected),
        collected_count=Count("payment", filter=collected, distinct=True),
        to_look_at=Count("invoice", filter=_stuck(), distinct=True),
    )
    shown: list[PaymentAttempt] = []
    if figures["to_look_at"]:
        latest = (
            PaymentAttempt.objects.filter(_stuck())
            .select_related("invoice", "customer", "method")
            .order_by("-updated_at", "-pk")[: limit * 4]
        )
        seen: set[int] = set()
        for attempt in latest:
            if attempt.invoice_id not in seen:
                seen.add(attempt.invoice_id)
                shown.append(attempt)
    return Collections(
        collected=figures["collected"] or ZERO,
        collected_count=figures["collected_count"],
        to_look_at=figures["to_look_at"],
        attempts=shown[:limit],
    )


def _stuck() -> Q:
    """A failed or unanswered charge on an invoice still unpaid, with no charge under way or
    succeeded since."""
    other = PaymentAttempt.objects.filter(
        invoice=OuterRef("invoice"),
        state__in=[State.SCHEDULED, State.SUBMITTED, State.PENDING, State.SUCCEEDED],
    )
    return (
        Q(state__in=[State.FAILED, State.UNKNOWN], invoice__status=Invoice.Status.UNPAID)
        & ~Q(failure_code__in=PaymentAttempt.CLOSED_CODES)
        & ~Q(Exists(other))
    )


def attempts_to_look_at() -> QuerySet[PaymentAttempt]:
    """The charges the dashboard counts as "failed charges to look at" (every attempt of
    them: an invoice tried twice shows twice)."""
    return PaymentAttempt.objects.filter(_stuck())
