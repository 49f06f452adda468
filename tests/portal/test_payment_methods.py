"""My Account → Payment methods: saving a card through the gateway's hosted page, the
default, removing, automatic payment; and "payment pending" on an invoice being collected."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from fairbill.payments.collection import collections_run
from fairbill.payments.gateways.base import payment_gateway
from fairbill.payments.models import GatewayCustomer, SavedPaymentMethod
from tests.fakes.stripe_api import StripeFake

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_gateway(settings):
    settings.PAYMENT_GATEWAY = "fake"


def save_demo_card(client, card="4242"):
    start = client.post("/account/payment-methods/add/")
    assert start.status_code == 302
    page = client.get(start["Location"])
    assert "Demo payment — no money moves" in page.content.decode()
    back = client.post(start["Location"], {"card": card})
    return client.get(back["Location"], follow=True)


def test_saving_a_demo_card_makes_it_the_default_and_pays_automatically(
    alice_client, alice, demo_gateway
):
    page = save_demo_card(alice_client).content.decode()
    assert "Visa (demo) •••• 4242 is saved" in page
    method = SavedPaymentMethod.objects.get()
    assert (method.customer_id, method.is_default, method.last4) == (alice.pk, True, "4242")
    alice.refresh_from_db()
    assert alice.payment_method == "automatic"
    assert 'data-testid="automatic-on"' in page


def test_a_second_card_becomes_the_default_and_the_first_can_be_removed(
    alice_client, alice, demo_gateway
):
    save_demo_card(alice_client, "4242")
    save_demo_card(alice_client, "9995")
    first, second = SavedPaymentMethod.objects.order_by("pk")
    assert (first.is_default, second.is_default) == (False, True)
    alice_client.post(f"/account/payment-methods/{first.pk}/", {"action": "default"})
    first.refresh_from_db()
    assert first.is_default
    alice_client.post(f"/account/payment-methods/{first.pk}/", {"action": "remove"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.removed_at is not None
    assert second.is_default
    alice_client.get("/account/payment-methods/")  # shows the messages
    page = alice_client.get("/account/payment-methods/").content.decode()
    assert "•••• 9995" in page
    assert "•••• 4242" not in page


def test_another_customers_method_is_not_found(alice_client, bob, system, demo_gateway, client):
    from fairbill.core import clock

    bobs = SavedPaymentMethod.objects.create(
        customer=bob,
        gateway="fake",
        reference="fake_pm_b_4242",
        kind="card",
        label="Visa",
        last4="4242",
        is_default=True,
        created_at=clock.now(),
    )
    response = alice_client.post(f"/account/payment-methods/{bobs.pk}/", {"action": "remove"})
    assert response.status_code == 404
    bobs.refresh_from_db()
    assert bobs.removed_at is None


def test_an_altered_demo_link_saves_nothing(alice_client, demo_gateway):
    response = alice_client.get("/account/payment-methods/saved/?ref=forged")
    assert response.status_code == 302
    assert not SavedPaymentMethod.objects.exists()


def test_saving_with_stripe_uses_checkout_in_setup_mode_and_reads_the_setup_intent(
    alice_client, alice, settings, httpserver
):
    settings.PAYMENT_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"  # noqa: S105 (test data)
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    stripe = StripeFake(httpserver)
    start = alice_client.post("/account/payment-methods/add/")
    assert start["Location"] == "https://checkout.stripe.com/c/pay/cs_test"
    (session,) = stripe.sessions.values()
    customer_ref = GatewayCustomer.objects.get(customer=alice).reference
    assert session["mode"] == "setup"
    assert session["customer"] == customer_ref
    assert session["payment_method_types"] == ["card"]
    assert parse_qs(urlparse(session["success_url"]).query)["ref"] == ["{CHECKOUT_SESSION_ID}"]
    # when the customer comes back from Stripe with the session id
    seti = stripe.setup_intent_add("pm_card_visa", customer=customer_ref)
    session["setup_intent"] = seti["id"]
    page = alice_client.get(
        f"/account/payment-methods/saved/?ref={session['id']}", follow=True
    ).content.decode()
    assert "Visa •••• 4242 is saved" in page
    assert SavedPaymentMethod.objects.get().reference == "pm_card_visa"


def test_an_invoice_being_collected_shows_payment_pending_and_no_pay_button(
    alice_client, alice, settings, httpserver, system
):
    from datetime import date

    from fairbill.payments.gateways.base import MethodDetails
    from fairbill.payments.methods import customer_set_automatic, method_save

    settings.PAYMENT_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    stripe = StripeFake(httpserver)
    stripe.method_add("pm_sepa_1", customer="cus_a", kind="sepa_debit", last4="3000")
    method_save(
        actor=system,
        customer=alice,
        gateway="stripe",
        details=MethodDetails(
            reference="pm_sepa_1",
            gateway_customer="cus_a",
            kind="sepa_debit",
            label="SEPA Direct Debit",
            last4="3000",
        ),
    )
    customer_set_automatic(actor=system, customer=alice, automatic=True)
    invoice = alice.invoices.get()
    collections_run(as_of=date(2027, 1, 17), actor=system, gateway=payment_gateway())
    page = alice_client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="payment-pending"' in page
    assert "Direct Debit takes a few days" in page
    assert "by card</button>" not in page


def test_paying_an_invoice_with_save_the_card_keeps_it_for_automatic_payment(
    alice_client, alice, demo_gateway
):
    invoice = alice.invoices.get()
    start = alice_client.post(
        f"/account/invoices/{invoice.pk}/pay/", {"method": "card", "save_card": "1"}
    )
    alice_client.post(start["Location"])  # the demo checkout's Pay button
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    method = SavedPaymentMethod.objects.get(customer=alice)
    assert (method.label, method.last4, method.is_default) == ("Visa (demo)", "4242", True)
    alice.refresh_from_db()
    assert alice.payment_method == "automatic"


def test_paying_by_stripe_with_save_the_card_saves_it_from_the_webhook(
    alice_client, client, alice, settings, httpserver
):
    import json
    import time

    import stripe as stripe_sdk

    settings.PAYMENT_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_save"  # noqa: S105 (test data)
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    stripe = StripeFake(httpserver)
    invoice = alice.invoices.get()
    alice_client.post(f"/account/invoices/{invoice.pk}/pay/", {"method": "card", "save_card": "1"})
    (session,) = stripe.sessions.values()
    customer_ref = GatewayCustomer.objects.get(customer=alice).reference
    assert session["customer"] == customer_ref
    assert session["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert "customer_email" not in session
    # Stripe charged the card and saved it on the customer
    stripe.method_add("pm_card_visa", customer=customer_ref)
    stripe.intents["pi_saved"] = {
        "id": "pi_saved",
        "object": "payment_intent",
        "status": "succeeded",
        "payment_method": "pm_card_visa",
    }
    paid = {
        **session,
        "payment_status": "paid",
        "status": "complete",
        "amount_total": 5000,
        "currency": "gbp",
        "payment_intent": "pi_saved",
        "client_reference_id": str(invoice.pk),
    }
    payload = json.dumps(
        {
            "id": "evt_cs",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": paid},
        }
    )
    header = stripe_sdk.WebhookSignature.generate_signature_header(
        payload, "whsec_save", int(time.time())
    )
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    method = SavedPaymentMethod.objects.get(customer=alice)
    assert (method.reference, method.label, method.last4) == ("pm_card_visa", "Visa", "4242")
    alice.refresh_from_db()
    assert alice.payment_method == "automatic"
