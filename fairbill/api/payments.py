"""Received payments: the list (filtered by customer, invoice or method) and one payment,
each with its allocations, refunds, dispute and the automatic charge it came from."""

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema

from fairbill.api.fields import Day, Id, OneOf, money_out, money_resolver
from fairbill.api.helpers import object_or_404, require
from fairbill.api.pagination import Page, paginate
from fairbill.core.prefetch import listed, rows
from fairbill.customers.models import PaymentMethod
from fairbill.payments.models import Dispute, Payment
from fairbill.payments.selectors import payments_of, with_refunds_and_dispute

router: Router = Router(tags=["payments"])

Method = Annotated[str, OneOf(PaymentMethod.values, blank=True)]


class AllocationOut(Schema):
    invoice_id: int
    amount: str

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return money_out(obj.amount, obj.payment.currency)


class PaymentRefundOut(Schema):
    id: int
    amount: str
    reason: str
    date: dt.date
    gateway_reference: str | None

    resolve_amount = money_resolver("amount")

    @staticmethod
    def resolve_date(obj: Any) -> dt.date:
        return obj.created_on


class DisputeOut(Schema):
    id: int
    status: str = Field(description="open, won or lost")
    amount: str
    reason: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None

    resolve_amount = money_resolver("amount")


class ReceivedPaymentOut(Schema):
    id: int
    customer_id: int
    currency: str
    amount: str
    method: str
    reference: str
    date: dt.date
    gateway: str
    gateway_reference: str | None
    allocations: list[AllocationOut] = Field(description="the invoices it paid")
    refunded: str = Field(description="the sum of its refunds")
    refunds: list[PaymentRefundOut] = Field(description="newest first")
    dispute: DisputeOut | None = Field(description="the latest chargeback, if any")
    attempt_id: int | None = Field(description="the automatic charge it came from")

    resolve_amount = money_resolver("amount")
    resolve_refunded = money_resolver("refunded")

    @staticmethod
    def resolve_date(obj: Payment) -> dt.date:
        return obj.received_on

    @staticmethod
    def resolve_allocations(obj: Payment) -> list[Any]:
        return rows(obj, "allocations")

    @staticmethod
    def resolve_refunds(obj: Payment) -> list[Any]:
        return rows(obj, "refunds")

    @staticmethod
    def resolve_dispute(obj: Payment) -> Dispute | None:
        disputes = sorted(rows(obj, "disputes"), key=lambda d: (d.opened_at, d.pk), reverse=True)
        return disputes[0] if disputes else None

    @staticmethod
    def resolve_attempt_id(obj: Payment) -> int | None:
        attempts = [a.pk for a in rows(obj, "attempts")]
        return attempts[0] if attempts else None


def _detailed(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    return payments.select_related(None).prefetch_related(
        # Each allocation's payment is the payment itself (set by the prefetch).
        *listed("allocations", "refunds", "disputes", "attempts")
    )


@router.get("/payments", response=list[ReceivedPaymentOut])
@paginate(Page)
def payment_list(
    request: HttpRequest,
    customer_id: Id | None = None,
    invoice_id: Id | None = None,
    method: Method = "",
    received_from: Day | None = None,
    received_to: Day | None = None,
) -> Any:
    """Payments received, newest first; filter by customer, invoice, method (bank_transfer,
    cheque, cash, card, direct_debit) or the days received (both ends included)."""
    require(request, "invoices")
    payments = payments_of(
        customer_id=customer_id,
        invoice_id=invoice_id,
        method=method,
        received_from=received_from,
        received_to=received_to,
    )
    return _detailed(payments)


@router.get("/payments/{id}", response=ReceivedPaymentOut)
def payment_get(request: HttpRequest, id: int) -> Any:
    require(request, "invoices")
    return object_or_404(_detailed(with_refunds_and_dispute(Payment.objects.all())), id, "payment")
