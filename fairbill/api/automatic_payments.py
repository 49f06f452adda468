"""Saved payment methods, charging an invoice now, and refunds (docs/payments.md)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fairbill.api.fields import Body, Filled, Money, money_resolver
from fairbill.api.helpers import object_or_404, require
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.core import clock
from fairbill.customers.models import Customer
from fairbill.invoicing.models import Invoice
from fairbill.payments.collection import CLOSE_REASON_MAX, attempt_close, invoice_charge
from fairbill.payments.gateways.base import payment_gateway
from fairbill.payments.methods import methods_of
from fairbill.payments.models import Payment, PaymentAttempt, Refund, SavedPaymentMethod
from fairbill.payments.refunds import payment_refund, refundable

router: Router = Router(tags=["payments"])


class PaymentMethodOut(Schema):
    id: int
    kind: str = Field(description="card, sepa_debit or bacs_debit")
    label: str = Field(description="the card's brand or the bank")
    last4: str
    expires: str = Field(description='"MM/YYYY" for a card, "" for a Direct Debit')
    mandate_reference: str
    default: bool

    @staticmethod
    def resolve_default(obj: SavedPaymentMethod) -> bool:
        return obj.is_default


class AttemptOut(Schema):
    id: int
    number: int
    state: str = Field(
        description="scheduled, submitted, pending (Direct Debit processing), succeeded, "
        "failed or unknown (no answer yet: checked before any retry)"
    )
    amount: str
    currency: str
    date: dt.date
    method_id: int
    decline_code: str
    failure_code: str
    failure_message: str
    final: bool = Field(description="true: not retried until the customer acts")
    payment_id: int | None
    payment_intent: str | None

    resolve_amount = money_resolver("amount")

    @staticmethod
    def resolve_date(obj: PaymentAttempt) -> dt.date:
        return obj.on


class AttemptCloseIn(Body):
    reason: Filled = Field(
        max_length=CLOSE_REASON_MAX, description="what was checked, e.g. in Stripe's dashboard"
    )


class RefundIn(Body):
    amount: Money = Field(description="at most what is left of the payment")
    reason: Filled = Field(max_length=300)


class RefundOut(Schema):
    id: int
    payment_id: int
    invoice_id: int | None
    amount: str
    currency: str
    reason: str
    date: dt.date
    gateway_reference: str | None
    payment_left: str = Field(description="what is left of the payment to refund")

    resolve_amount = money_resolver("amount")

    @staticmethod
    def resolve_date(obj: Refund) -> dt.date:
        return obj.created_on

    @staticmethod
    def resolve_payment_left(obj: Refund) -> str:
        return str(refundable(obj.payment))


@router.get("/customers/{id}/payment-methods", response=list[PaymentMethodOut])
@paginate(Page)
def payment_method_list(request: HttpRequest, id: int) -> Any:
    """The customer's saved cards and Direct Debit mandates, the default first (only what
    identifies them: never a card number)."""
    require(request, "customers")
    customer = object_or_404(Customer, id, "customer")
    return methods_of(customer)


@router.post("/invoices/{id}/charge", response={201: AttemptOut})
@idempotent
def invoice_charge_post(request: HttpRequest, id: int) -> Any:
    """Charge the invoice's balance now to the customer's default saved method. Answers the
    attempt (succeeded, pending, failed with the decline, or unknown); 409
    `no_payment_method` when the customer has none, 409 `nothing_to_charge` when nothing is
    due or a charge is already under way."""
    actor = require(request, "invoices")
    invoice = object_or_404(Invoice, id, "invoice")
    attempt = invoice_charge(
        actor=actor, invoice=invoice, gateway=payment_gateway(), on=clock.today()
    )
    return Status(201, attempt)


@router.post("/invoices/{id}/attempts/{attempt_id}/close", response=AttemptOut)
@idempotent
def attempt_close_post(
    request: HttpRequest, id: int, attempt_id: int, payload: AttemptCloseIn
) -> Any:
    """Close a charge that never had an answer (`unknown`) once Stripe's dashboard shows it
    charged nothing: the invoice goes back to the retry schedule, or to reminders when it
    is spent; money Stripe reports later for it is still recorded. 409 for a charge in any
    other state."""
    actor = require(request, "invoices")
    invoice = object_or_404(Invoice, id, "invoice")
    attempt = object_or_404(PaymentAttempt.objects.filter(invoice=invoice), attempt_id, "attempt")
    return attempt_close(actor=actor, attempt_id=attempt.pk, reason=payload.reason)


@router.post("/payments/{id}/refunds", response={201: RefundOut})
@idempotent
def payment_refund_post(request: HttpRequest, id: int, payload: RefundIn) -> Any:
    """Refund all or part of a payment (through Stripe for a card or Direct Debit payment,
    with the request's Idempotency-Key). 409 `refund_too_large` beyond what is left."""
    actor = require(request, "invoices")
    payment = object_or_404(Payment, id, "payment")
    refund = payment_refund(
        actor=actor,
        payment=payment,
        amount=payload.amount,
        reason=payload.reason,
        on=clock.today(),
        gateway=payment_gateway(),
        request_key=_request_key(request),
    )
    return Status(201, refund)


def _request_key(request: HttpRequest) -> str:
    """The refund's request key: the Idempotency-Key when given, so the same request refunds
    once at the gateway too (even once the API's stored answer has expired)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    return f"api:{key}" if key else ""
