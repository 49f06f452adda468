"""The list of received payments, for the back office and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from fairbill.core.aggregates import MoneySum
from fairbill.payments.models import Allocation, Dispute, Payment, Refund

AMOUNT: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)


def payments_of(
    *,
    customer_id: int | None = None,
    invoice_id: int | None = None,
    method: str = "",
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> QuerySet[Payment]:
    """Payments received, newest first, each with `refunded` (the sum of its refunds) and
    `dispute_status` (its latest dispute's, or None)."""
    payments = Payment.objects.all()
    if customer_id is not None:
        payments = payments.filter(customer_id=customer_id)
    if invoice_id is not None:
        payments = payments.filter(
            Exists(Allocation.objects.filter(payment=OuterRef("pk"), invoice_id=invoice_id))
        )
    if method:
        payments = payments.filter(method=method)
    if received_from is not None:
        payments = payments.filter(received_on__gte=received_from)
    if received_to is not None:
        payments = payments.filter(received_on__lte=received_to)
    return with_refunds_and_dispute(payments).order_by("-received_on", "-id")


def with_refunds_and_dispute(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    refunded = (
        Refund.objects.filter(payment=OuterRef("pk"))
        .values("payment")
        .annotate(s=MoneySum("amount"))
        .values("s")[:1]
    )
    dispute = Dispute.objects.filter(payment=OuterRef("pk")).order_by("-opened_at", "-id")
    return payments.annotate(
        refunded=Coalesce(Subquery(refunded, output_field=AMOUNT), Value(0), output_field=AMOUNT),
        dispute_status=Subquery(dispute.values("status")[:1]),
    )
