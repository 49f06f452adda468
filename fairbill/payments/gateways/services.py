"""Recording what a gateway reports: once per (gateway, reference), whatever the order and
number of deliveries."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from fairbill.core.actors import Actor
from fairbill.core.errors import FairbillError
from fairbill.core.models import Event
from fairbill.core.services import event_record
from fairbill.customers.models import PaymentMethod
from fairbill.invoicing.models import Invoice
from fairbill.payments.gateways.base import GatewayPayment
from fairbill.payments.models import Payment
from fairbill.payments.services import payment_record


def _recorded(gateway: str, reference: str) -> Payment | None:
    return Payment.objects.filter(gateway=gateway, gateway_reference=reference).first()


def _intent_keep(recorded: Payment, payment: GatewayPayment) -> Payment:
    """Keep a Checkout payment's PaymentIntent (refunds and disputes name it); a later
    delivery fills it in for a payment recorded without it."""
    if payment.intent and recorded.gateway_intent != payment.intent:
        recorded.gateway_intent = payment.intent
        recorded.save(update_fields=["gateway_intent"])
    return recorded


@transaction.atomic
def gateway_payment_record(
    *,
    actor: Actor,
    gateway: str,
    payment: GatewayPayment,
    on: date,
    method: str = PaymentMethod.CARD,
) -> Payment | None:
    """Record a card payment a gateway reports for an invoice, exactly once.

    A payment that can't be applied (unknown invoice, other currency, invoice no longer
    unpaid) is not recorded: a `payment.unmatched` Event keeps it for staff to refund or
    credit. Returns the payment (the one recorded earlier for a repeated delivery)."""
    existing = _recorded(gateway, payment.reference)
    if existing is not None:
        return _intent_keep(existing, payment)
    invoice = Invoice.objects.filter(pk=payment.invoice_id).first()
    problem = ""
    if invoice is None:
        problem = f"no invoice with id {payment.invoice_id}"
    elif invoice.currency != payment.currency:
        problem = f"paid in {payment.currency}, invoice is in {invoice.currency}"
    else:
        try:
            with transaction.atomic():
                recorded = payment_record(
                    actor=actor,
                    invoice=invoice,
                    amount=payment.amount,
                    method=method,
                    on=on,
                    reference=payment.reference,
                    gateway=gateway,
                    gateway_reference=payment.reference,
                )
                return _intent_keep(recorded, payment) if recorded is not None else None
        except FairbillError as exc:
            # A delivery racing this one may have recorded it meanwhile.
            existing = _recorded(gateway, payment.reference)
            if existing is not None:
                return _intent_keep(existing, payment)
            problem = exc.message
    already = Event.objects.filter(
        action="payment.unmatched", data__gateway=gateway, data__reference=payment.reference
    ).exists()
    if already:
        return None
    subject = invoice if invoice is not None else Payment(pk=0)
    event_record(
        actor=actor,
        action="payment.unmatched",
        subject=subject,
        customer_id=invoice.customer_id if invoice is not None else None,
        message=f"{gateway} payment {payment.reference} not recorded: {problem}",
        data={
            "gateway": gateway,
            "reference": payment.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "invoice_id": payment.invoice_id,
        },
    )
    return None
