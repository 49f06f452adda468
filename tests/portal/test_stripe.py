"""Stripe Checkout, replaced only at its HTTP boundary: the SDK talks to a local HTTP server
that answers like Stripe, and webhooks are signed with a test secret as Stripe signs them."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
import stripe
from django.core import mail

from fairbill.core.models import Event
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import Payment

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "whsec_test_portal"  # noqa: S105 (test data)
SESSION_ID = "cs_test_a1b2c3"


@pytest.fixture
def stripe_api(settings, httpserver):
    """Stripe on: keys set and the SDK pointed at the local server."""
    settings.PAYMENT_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_portal"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    return httpserver


def session_json(invoice: Invoice, *, paid: bool, session_id: str = SESSION_ID) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": "payment",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        "amount_total": int(invoice.balance * 100),
        "currency": invoice.currency.lower(),
        "client_reference_id": str(invoice.pk),
        "payment_status": "paid" if paid else "unpaid",
        "status": "complete" if paid else "open",
        "payment_intent": "pi_test_1" if paid else None,
        "metadata": {
            "invoice_id": str(invoice.pk),
            "invoice_number": invoice.number,
            "customer_id": str(invoice.customer_id),
        },
    }


def signed(payload: str, secret: str = WEBHOOK_SECRET) -> str:
    """The Stripe-Signature header: t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>")."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, int(time.time()))


def event_payload(invoice: Invoice, kind: str = "checkout.session.completed", **session) -> str:
    obj = {**session_json(invoice, paid=True), **session}
    return json.dumps(
        {
            "id": "evt_test_1",
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "data": {"object": obj},
        }
    )


def deliver(client, payload: str, signature: str | None = None):
    return client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature if signature is not None else signed(payload)},
    )


def test_pay_by_card_creates_a_checkout_session_and_redirects(alice_client, alice, stripe_api):
    invoice = alice.invoices.get()
    stripe_api.expect_request("/v1/checkout/sessions", method="POST").respond_with_json(
        session_json(invoice, paid=False)
    )
    response = alice_client.post(f"/account/invoices/{invoice.pk}/pay/", {"method": "card"})
    # then the customer is sent to Stripe's checkout page
    assert response.status_code == 302
    assert response["Location"] == f"https://checkout.stripe.com/c/pay/{SESSION_ID}"
    # and the session asked for the balance in pence, for this invoice, coming back to us
    request, _ = stripe_api.log[0]
    form = request.form
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "5000"
    assert form["line_items[0][price_data][currency]"] == "gbp"
    assert form["metadata[invoice_id]"] == str(invoice.pk)
    assert form["success_url"].endswith(
        f"/account/invoices/{invoice.pk}/payment/?ref={{CHECKOUT_SESSION_ID}}"
    )
    assert request.headers["Authorization"] == "Bearer sk_test_portal"
    assert not Payment.objects.exists()


def test_stripe_unreachable_shows_a_message_not_an_error(alice_client, alice, stripe_api):
    invoice = alice.invoices.get()
    stripe_api.expect_request("/v1/checkout/sessions", method="POST").respond_with_json(
        {"error": {"type": "api_error", "message": "Something broke"}}, status=500
    )
    response = alice_client.post(
        f"/account/invoices/{invoice.pk}/pay/", {"method": "card"}, follow=True
    )
    assert response.status_code == 200
    assert "Card payment is not available right now" in response.content.decode()


def test_webhook_records_the_payment_once_when_delivered_twice(
    client, alice, stripe_api, django_capture_on_commit_callbacks
):
    invoice = alice.invoices.get()
    payload = event_payload(invoice)
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, payload)
        second = deliver(client, payload)
    assert (first.status_code, second.status_code) == (200, 200)
    payment = Payment.objects.get()
    assert (payment.gateway, payment.gateway_reference) == ("stripe", SESSION_ID)
    assert payment.amount == Decimal("50.00")
    assert payment.method == "card"
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert Event.objects.filter(action="payment.recorded").count() == 1
    assert sum("Payment received" in m.subject for m in mail.outbox) == 1


def test_completed_then_async_succeeded_for_the_same_session_records_once(
    client, alice, stripe_api
):
    invoice = alice.invoices.get()
    deliver(client, event_payload(invoice))
    deliver(client, event_payload(invoice, kind="checkout.session.async_payment_succeeded"))
    assert Payment.objects.count() == 1


def test_webhook_before_the_redirect_shows_payment_received(
    alice_client, client, alice, stripe_api
):
    invoice = alice.invoices.get()
    # when Stripe's webhook arrives before the customer comes back
    assert deliver(client, event_payload(invoice)).status_code == 200
    # then the page the customer comes back to says the payment is received
    page = alice_client.get(
        f"/account/invoices/{invoice.pk}/payment/?ref={SESSION_ID}"
    ).content.decode()
    assert "Payment received" in page
    assert "£50.00" in page
    assert Payment.objects.count() == 1


def test_redirect_before_the_webhook_says_we_are_confirming(
    alice_client, client, alice, stripe_api
):
    invoice = alice.invoices.get()
    # when the customer comes back before the webhook
    page = alice_client.get(
        f"/account/invoices/{invoice.pk}/payment/?ref={SESSION_ID}"
    ).content.decode()
    assert "We&#x27;re confirming your payment" in page or "We're confirming your payment" in page
    assert not Payment.objects.exists()
    # and once the webhook arrives, the payment is recorded and shown
    deliver(client, event_payload(invoice))
    page = alice_client.get(
        f"/account/invoices/{invoice.pk}/payment/?ref={SESSION_ID}"
    ).content.decode()
    assert "Payment received" in page


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=deadbeef", "garbage", "wrong-secret"],
)
def test_webhook_with_a_bad_signature_is_refused_and_records_nothing(
    client, alice, stripe_api, signature
):
    invoice = alice.invoices.get()
    payload = event_payload(invoice)
    if signature == "wrong-secret":
        signature = signed(payload, secret="whsec_someone_else")
    response = deliver(client, payload, signature=signature)
    assert response.status_code == 400
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == "unpaid"


def test_webhook_with_a_tampered_payload_is_refused(client, alice, stripe_api):
    invoice = alice.invoices.get()
    payload = event_payload(invoice)
    header = signed(payload)
    tampered = payload.replace('"amount_total": 5000', '"amount_total": 1')
    assert deliver(client, tampered, signature=header).status_code == 400
    assert not Payment.objects.exists()


def test_unpaid_or_other_events_record_nothing(client, alice, stripe_api):
    invoice = alice.invoices.get()
    assert deliver(client, event_payload(invoice, payment_status="unpaid")).status_code == 200
    assert deliver(client, event_payload(invoice, kind="customer.created")).status_code == 200
    assert not Payment.objects.exists()


def test_a_payment_for_an_invoice_already_paid_is_kept_for_staff(client, alice, stripe_api, system):
    from datetime import date

    from fairbill.payments.services import payment_record

    invoice = alice.invoices.get()
    payment_record(
        actor=system, invoice=invoice, amount="50.00", method="bank_transfer", on=date(2027, 1, 11)
    )
    payload = event_payload(invoice, amount_total=5000)
    assert deliver(client, payload).status_code == 200
    assert deliver(client, payload).status_code == 200
    assert not Payment.objects.filter(gateway="stripe").exists()
    assert Event.objects.filter(action="payment.unmatched").count() == 1


def test_webhook_is_not_found_when_stripe_is_not_configured(client, db, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = client.post("/payments/stripe/webhook/", data="{}", content_type="application/json")
    assert response.status_code == 404


def test_webhook_without_a_secret_is_refused(client, alice, stripe_api, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    invoice = alice.invoices.get()
    payload = event_payload(invoice)
    assert deliver(client, payload).status_code == 400
    assert not Payment.objects.exists()
