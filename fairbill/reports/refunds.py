"""Money given back in a period: the refunds of payments (at the gateway or by hand) and the
refunds staff recorded by hand on credit notes (a bank transfer, cash, a cheque). A payment's
refund also issues a credit note for its invoiced part: that note's refund is the same money
and is counted once, as the payment's refund."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice

from django.db.models import QuerySet

from fairbill.core.aggregates import MoneySum
from fairbill.core.money import ZERO
from fairbill.invoicing.models import CreditNote
from fairbill.payments.models import Refund
from fairbill.payments.refunds import REFUND_NOTE_KEY


@dataclass(frozen=True)
class RefundRow:
    day: date
    customer: str
    method: str
    document: str  # "Payment #12", or the credit note's number
    reference: str
    reason: str
    amount: Decimal
    order: tuple[int, int]  # among rows of the same day: payments' refunds first, by id


def _payment_refunds(since: date, until: date, currency: str) -> QuerySet[Refund]:
    return Refund.objects.filter(currency=currency, created_on__gte=since, created_on__lte=until)


def _notes_refunded(since: date, until: date, currency: str) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(
        currency=currency, refunded__gt=0, refund_date__gte=since, refund_date__lte=until
    ).exclude(request_key__startswith=REFUND_NOTE_KEY)


def refunds_given(
    *, since: date, until: date, currency: str, limit: int | None = None
) -> Iterable[RefundRow]:
    """Every refund made in [since, until] in a currency, by day: the first `limit`, or all
    of them read in chunks."""
    refunds = (
        _payment_refunds(since, until, currency)
        .select_related("payment__customer")
        .order_by("created_on", "id")
    )
    notes = (
        _notes_refunded(since, until, currency)
        .select_related("customer")
        .order_by("refund_date", "id")
    )
    if limit is not None:
        refunds, notes = refunds[:limit], notes[:limit]
    merged = heapq.merge(
        (_of_refund(r) for r in refunds.iterator(chunk_size=500)),
        (_of_note(n) for n in notes.iterator(chunk_size=500)),
        key=lambda row: (row.day, row.order),
    )
    return list(islice(merged, limit)) if limit is not None else merged


def refunds_total(*, since: date, until: date, currency: str) -> Decimal:
    given = _payment_refunds(since, until, currency).aggregate(s=MoneySum("amount"))["s"]
    by_hand = _notes_refunded(since, until, currency).aggregate(s=MoneySum("refunded"))["s"]
    return (given or ZERO) + (by_hand or ZERO)


def refunds_by_month(*, since: date, until: date, currency: str) -> dict[date, Decimal]:
    """The refunds of [since, until] per calendar month (first day of the month as key)."""
    found: dict[date, Decimal] = {}
    days = [
        *_payment_refunds(since, until, currency).values_list("created_on", "amount"),
        *_notes_refunded(since, until, currency).values_list("refund_date", "refunded"),
    ]
    for day, amount in days:
        if day is None:  # a note refunded has its refund's date (the query asks for one)
            continue
        month = day.replace(day=1)
        found[month] = found.get(month, ZERO) + amount
    return found


def _of_refund(refund: Refund) -> RefundRow:
    payment = refund.payment
    return RefundRow(
        day=refund.created_on,
        customer=payment.customer.name,
        method=payment.get_method_display(),
        document=f"Payment #{payment.pk}",
        reference=refund.gateway_reference or "",
        reason=refund.reason,
        amount=refund.amount,
        order=(0, refund.pk),
    )


def _of_note(note: CreditNote) -> RefundRow:
    assert note.refund_date is not None  # refunded: it has its date
    return RefundRow(
        day=note.refund_date,
        customer=note.customer.name,
        method=note.get_refund_method_display(),
        document=f"Credit note {note.number}",
        reference=note.refund_reference,
        reason=note.reason,
        amount=note.refunded,
        order=(1, note.pk),
    )
