"""A payment made through Stripe Checkout is recorded under its session (cs_…), but Stripe's
disputes and refunds name its PaymentIntent: the payment keeps both, so a lost chargeback
or a refund made in Stripe's dashboard is recorded on it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairbill.invoicing.models import Invoice
from fairbill.payments.models import Dispute, Payment, Refund, WebhookEvent
from tests.payments.conftest import deliver, event_json, invoice_for

pytestmark = pytest.mark.django_db


def paid_session(invoice: Invoice, session_id: str, intent: str | None) -> dict:
    """A paid Checkout Session as Stripe sends it in checkout.session.completed."""
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": "payment",
        "amount_total": 5000,
        "currency": "gbp",
        "client_reference_id": str(invoice.pk),
        "payment_status": "paid",
        "status": "complete",
        "payment_intent": intent,
        "metadata": {"invoice_id": str(invoice.pk)},
    }


def intent_add(stripe_fake, pi_id: str, charge_id: str) -> None:
    stripe_fake.intents[pi_id] = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": 5000,
        "amount_received": 5000,
        "currency": "gbp",
        "status": "succeeded",
        "latest_charge": charge_id,
        "metadata": {},
        "customer": None,
        "payment_method": None,
    }


@pytest.fixture
def checkout_paid(client, payer, system, stripe_fake):
    """A £50.00 invoice paid through Checkout session cs_test_chk with PaymentIntent pi_chk."""
    invoice = invoice_for(payer, system)
    intent_add(stripe_fake, "pi_chk", "ch_chk")
    session = paid_session(invoice, "cs_test_chk", "pi_chk")
    response = deliver(client, event_json("evt_paid", "checkout.session.completed", session))
    assert response.status_code == 200
    assert Payment.objects.get().gateway_reference == "cs_test_chk"
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    return invoice


def test_a_lost_dispute_of_a_checkout_payment_makes_the_invoice_due_again(
    client, checkout_paid, stripe_fake
):
    invoice = checkout_paid
    dispute = stripe_fake.dispute_add("pi_chk", status="lost")
    deliver(client, event_json("evt_dl", "charge.dispute.closed", dispute))
    assert WebhookEvent.objects.get(event_id="evt_dl").problem == ""
    recorded = Dispute.objects.get()
    assert (recorded.status, recorded.amount) == ("lost", Decimal("50.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        "unpaid",
        Decimal("0.00"),
        Decimal("50.00"),
    )


def test_a_dashboard_refund_of_a_checkout_payment_is_recorded(client, checkout_paid, stripe_fake):
    stripe_fake.refunds["re_dash"] = {
        "id": "re_dash",
        "object": "refund",
        "amount": 2000,
        "currency": "gbp",
        "payment_intent": "pi_chk",
        "charge": "ch_chk",
        "status": "succeeded",
    }
    deliver(client, event_json("evt_rf", "charge.refunded", {"id": "ch_chk"}))
    assert WebhookEvent.objects.get(event_id="evt_rf").problem == ""
    refund = Refund.objects.get()
    assert (refund.gateway_reference, refund.amount) == ("re_dash", Decimal("20.00"))
    assert refund.payment == Payment.objects.get()


def test_a_session_event_without_its_intent_asks_stripe(client, payer, system, stripe_fake):
    invoice = invoice_for(payer, system)
    stripe_fake.sessions["cs_test_bare"] = {
        "id": "cs_test_bare",
        "object": "checkout.session",
        "payment_intent": "pi_bare",
    }
    session = paid_session(invoice, "cs_test_bare", None)
    deliver(client, event_json("evt_bare", "checkout.session.completed", session))
    assert Payment.objects.get().gateway_intent == "pi_bare"


def test_a_checkout_payment_keeps_its_intent(checkout_paid):
    payment = Payment.objects.get()
    assert (payment.gateway_reference, payment.gateway_intent) == ("cs_test_chk", "pi_chk")


def test_a_redelivery_fills_in_the_intent_of_a_payment_recorded_without_it(
    client, payer, system, stripe_fake
):
    """Checkout payments recorded before the intent was kept match only by their session;
    Stripe delivering the paid event again (a retry) fills the intent in."""
    invoice = invoice_for(payer, system)
    session = paid_session(invoice, "cs_test_old", "pi_old")
    deliver(client, event_json("evt_old", "checkout.session.completed", session))
    Payment.objects.update(gateway_intent="")  # as recorded before
    deliver(client, event_json("evt_old_again", "checkout.session.completed", session))
    assert Payment.objects.get().gateway_intent == "pi_old"
