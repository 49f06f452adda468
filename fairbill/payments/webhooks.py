"""Stripe's notices about saved methods and automatic charges, handled through an inbox.

Each event is kept once by its id (a repeated delivery is answered and ignored). Events may
arrive in any order and carry stale copies, so the object each one names is fetched again
from Stripe and its current state applied: a PaymentIntent to its attempt (charge_apply does
nothing to a settled attempt), a SetupIntent's method saved, a detached method or a revoked
mandate marked removed. What matches nothing of ours (an unknown customer or attempt) is kept
on the inbox row and in an Event for staff.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.services import event_record
from fairbill.core.validation import ascii_digits
from fairbill.customers.models import Customer
from fairbill.payments.collection import charge_apply
from fairbill.payments.gateways.stripe import StripeGateway
from fairbill.payments.gateways.stripe_objects import (
    charge_from_intent,
    from_minor_units,
    method_details,
)
from fairbill.payments.methods import (
    customer_for_gateway,
    customer_set_automatic,
    method_removed,
    method_save,
)
from fairbill.payments.models import (
    Dispute,
    PaymentAttempt,
    Refund,
    SavedPaymentMethod,
    WebhookEvent,
)
from fairbill.payments.refunds import (
    dispute_record,
    payment_for_gateway,
    refund_preview,
    refund_record,
)

HANDLED = {
    "payment_intent.succeeded": "payment_intent",
    "payment_intent.payment_failed": "payment_intent",
    "payment_intent.processing": "payment_intent",
    "setup_intent.succeeded": "setup_intent",
    "payment_method.detached": "payment_method",
    "mandate.updated": "mandate",
    "charge.refunded": "charge",
    "charge.dispute.created": "dispute",
    "charge.dispute.closed": "dispute",
}
ACTOR = Actor.system("stripe webhook")


def webhook_event_handle(*, gateway: StripeGateway, event: dict[str, Any]) -> str:
    """Handle one verified event; returns what happened, in a word or two."""
    kind = HANDLED.get(str(event.get("type")))
    if kind is None:
        return "ignored"
    obj = (event.get("data") or {}).get("object") or {}
    object_id = str(obj.get("id") or "")
    inbox = _inbox_claim(gateway, event, object_id)
    if inbox is None:
        return "duplicate"
    current = gateway.object_retrieve(kind=kind, reference=object_id)  # never the copy sent
    handler = {
        "payment_intent": _intent,
        "setup_intent": _setup_intent,
        "payment_method": _method_detached,
        "mandate": _mandate,
        "charge": _charge_refunded,
        "dispute": _dispute,
    }[kind]
    problem = handler(gateway, current)
    with transaction.atomic():
        inbox.processed_at = clock.now()
        inbox.problem = problem[:300]
        inbox.save(update_fields=["processed_at", "problem"])
        if problem:
            event_record(
                actor=ACTOR,
                action="webhook.unmatched",
                subject=inbox,
                message=f"Stripe {inbox.type} {object_id}: {problem}",
                data={"event": inbox.event_id, "type": inbox.type, "object": object_id},
            )
    return problem or "handled"


def _inbox_claim(
    gateway: StripeGateway, event: dict[str, Any], object_id: str
) -> WebhookEvent | None:
    """The inbox row of an event, None when an earlier delivery of it was handled."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                gateway=gateway.name,
                event_id=str(event["id"]),
                type=str(event["type"]),
                object_id=object_id[:200],
                received_at=clock.now(),
            )
    except IntegrityError:
        inbox = WebhookEvent.objects.get(gateway=gateway.name, event_id=str(event["id"]))
        return inbox if inbox.processed_at is None else None


def checkout_event_handle(*, gateway: StripeGateway, event: dict[str, Any]) -> str:
    """A paid Checkout Session's event where the customer ticked "save this card": the card
    is kept once per event, so a redelivery (Stripe retries, sometimes days later) does not
    turn automatic payment back on after staff turned it off. (The payment itself is
    recorded once per session by gateway_payment_record.)"""
    session = (event.get("data") or {}).get("object") or {}
    if (session.get("metadata") or {}).get("save_method") != "1":
        return "ignored"
    inbox = _inbox_claim(gateway, event, str(session.get("id") or ""))
    if inbox is None:
        return "duplicate"
    checkout_method_keep(gateway=gateway, session=session)
    inbox.processed_at = clock.now()
    inbox.save(update_fields=["processed_at"])
    return "handled"


def checkout_method_keep(*, gateway: StripeGateway, session: dict[str, Any]) -> None:
    """A paid Checkout Session where the customer ticked "save this card for future
    payments": the card (read from Stripe) is saved and becomes the automatic method."""
    if session.get("payment_status") != "paid":
        return
    details = gateway.checkout_saved_method(session=session)
    if details is None:
        return
    customer_id = customer_for_gateway(gateway=gateway.name, reference=details.gateway_customer)
    if customer_id is None:
        return
    customer = Customer.objects.get(pk=customer_id)
    method_save(actor=ACTOR, customer=customer, gateway=gateway.name, details=details)
    customer_set_automatic(actor=ACTOR, customer=customer, automatic=True)


def _intent(gateway: StripeGateway, intent: dict[str, Any]) -> str:
    charge = charge_from_intent(intent)
    attempt = PaymentAttempt.objects.filter(
        gateway=gateway.name, payment_intent=charge.reference
    ).first()
    if attempt is None and charge.attempt_id is not None:
        attempt = PaymentAttempt.objects.filter(pk=charge.attempt_id).first()
    if attempt is None:
        metadata = intent.get("metadata") or {}
        if metadata.get("attempt_id"):
            return f"no payment attempt {metadata['attempt_id']}"
        return ""  # a Checkout payment: recorded by its checkout.session events
    charge_apply(actor=ACTOR, attempt_id=attempt.pk, charge=charge, on=clock.today())
    return ""


def _setup_intent(gateway: StripeGateway, intent: dict[str, Any]) -> str:
    if intent.get("status") != "succeeded" or not isinstance(intent.get("payment_method"), dict):
        return ""
    details = method_details(intent["payment_method"], intent.get("mandate"))
    if details is None:
        return "a kind of payment method that is not charged automatically"
    metadata = intent.get("metadata") or {}
    customer_id: int | None = None
    if ascii_digits(str(metadata.get("customer_id") or "")):
        customer_id = int(metadata["customer_id"])
    known = customer_for_gateway(gateway=gateway.name, reference=details.gateway_customer)
    if known is None or (customer_id is not None and customer_id != known):
        return f"no customer of ours is Stripe customer {details.gateway_customer or '(none)'}"
    method_save(
        actor=ACTOR,
        customer=Customer.objects.get(pk=known),
        gateway=gateway.name,
        details=details,
    )
    return ""


def _method_detached(gateway: StripeGateway, method: dict[str, Any]) -> str:
    if method.get("customer"):
        return ""  # attached again since: nothing to do
    saved = SavedPaymentMethod.objects.filter(
        gateway=gateway.name, reference=str(method.get("id"))
    ).first()
    if saved is not None:
        method_removed(actor=ACTOR, method=saved, reason="detached at Stripe")
    return ""


def _mandate(gateway: StripeGateway, mandate: dict[str, Any]) -> str:
    if mandate.get("status") == "active":
        return ""
    method_id = mandate.get("payment_method")
    method_id = method_id.get("id") if isinstance(method_id, dict) else method_id
    saved = SavedPaymentMethod.objects.filter(
        gateway=gateway.name, reference=str(method_id)
    ).first()
    if saved is not None:
        method_removed(actor=ACTOR, method=saved, reason=f"mandate {mandate.get('status')}")
    return ""


def _intent_id(value: Any) -> str:
    return str(value.get("id") if isinstance(value, dict) else value or "")


def _charge_refunded(gateway: StripeGateway, charge: dict[str, Any]) -> str:
    """Refunds made in Stripe's dashboard: each refund id not yet known is recorded."""
    payment = payment_for_gateway(
        gateway=gateway.name, reference=_intent_id(charge.get("payment_intent"))
    )
    if payment is None:
        return f"no payment of ours for charge {charge.get('id')}"
    refunds = (charge.get("refunds") or {}).get("data") or []
    problems = []
    for item in refunds:
        if item.get("status") not in ("succeeded", "pending"):
            continue
        if Refund.objects.filter(gateway_reference=item["id"]).exists():
            continue
        amount = from_minor_units(int(item["amount"]), payment.currency)
        try:
            refund_record(
                actor=ACTOR,
                payment=payment,
                plan=refund_preview(payment=payment, amount=amount),
                reason="Refunded in Stripe",
                on=clock.today(),
                reference=str(item["id"]),
            )
        except Refused as exc:
            # Money already given back that can't be credited as it is (e.g. the invoice
            # was credited as account credit): staff record it by hand.
            problems.append(f"refund {item['id']} not recorded: {exc.message}")
    return "; ".join(problems)


def _dispute(gateway: StripeGateway, dispute: dict[str, Any]) -> str:
    payment = payment_for_gateway(
        gateway=gateway.name, reference=_intent_id(dispute.get("payment_intent"))
    )
    if payment is None:
        return f"no payment of ours for dispute {dispute.get('id')}"
    status = str(dispute.get("status") or "")
    dispute_record(
        actor=ACTOR,
        payment=payment,
        reference=str(dispute["id"]),
        amount=from_minor_units(int(dispute.get("amount") or 0), payment.currency),
        reason=str(dispute.get("reason") or ""),
        status=status if status in (Dispute.Status.WON, Dispute.Status.LOST) else "open",
        on=clock.today(),
    )
    return ""
