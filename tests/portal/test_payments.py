"""Paying in My Account: account credit first, the demo (fake) gateway, bank transfer, and
which gateway is active."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from fairbill.core.actors import Actor
from fairbill.core.services import event_record
from fairbill.payments.gateways import payment_gateway
from fairbill.payments.gateways.fake import FakeGateway
from fairbill.payments.gateways.offline import OfflineGateway
from fairbill.payments.gateways.stripe import StripeGateway
from fairbill.payments.models import Payment
from fairbill.payments.services import credit_add, credit_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(settings):
    settings.PAYMENT_GATEWAY = "fake"


def test_card_payment_with_the_demo_gateway(
    alice_client, alice, fake, django_capture_on_commit_callbacks
):
    invoice = alice.invoices.get()
    # the invoice page offers card payment and says it's a demo
    page = alice_client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert "Pay £50.00 by card" in page
    assert "Demo payment — no money moves" in page
    # when the customer pays by card
    response = alice_client.post(f"/account/invoices/{invoice.pk}/pay/", {"method": "card"})
    assert response.status_code == 302
    checkout = response["Location"]
    assert checkout.startswith("/account/checkout/demo/")
    # then the demo checkout page says no money moves
    page = alice_client.get(checkout).content.decode()
    assert "Demo payment — no money moves" in page
    # and paying there records the payment once and shows "payment received"
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(checkout)
    result = response["Location"]
    assert "/account/invoices/" in result
    assert "ref=fake_" in result
    page = alice_client.get(result).content.decode()
    assert "Payment received" in page
    assert "Demo payment — no money moves" in page
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    payment = Payment.objects.get()
    assert (payment.gateway, payment.method, payment.amount) == ("fake", "card", Decimal("50.00"))
    # and paying the same checkout again records nothing more
    alice_client.post(checkout)
    assert Payment.objects.count() == 1
    assert any("Payment received" in m.subject for m in mail.outbox)


def test_account_credit_is_used_first_when_chosen(alice_client, alice, fake, system):
    credit_add(actor=system, customer=alice, amount="20.00", reason="Refund", on=date(2027, 1, 1))
    invoice = alice.invoices.get()
    # the page says what is left for the card once the credit is used (not the whole £50.00)
    page = alice_client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert "Use my account credit (£20.00) first: £30.00 is then left to pay by card" in page
    assert "Pay £50.00 by card" not in page
    response = alice_client.post(
        f"/account/invoices/{invoice.pk}/pay/", {"use_credit": "1", "method": "card"}
    )
    invoice.refresh_from_db()
    assert invoice.credit_applied == Decimal("20.00")
    assert invoice.balance == Decimal("30.00")
    assert credit_balance(alice) == Decimal("0")
    # the card checkout is for what is left
    page = alice_client.get(response["Location"]).content.decode()
    assert "£30.00" in page


def test_credit_that_covers_the_invoice_pays_it(alice_client, alice, system):
    credit_add(actor=system, customer=alice, amount="80.00", reason="Prepaid", on=date(2027, 1, 1))
    invoice = alice.invoices.get()
    response = alice_client.post(
        f"/account/invoices/{invoice.pk}/pay/", {"use_credit": "1", "method": "credit"}
    )
    assert response["Location"] == f"/account/invoices/{invoice.pk}/"
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert credit_balance(alice) == Decimal("30.00")


def test_without_an_online_gateway_only_bank_transfer_is_shown(alice_client, alice, shop):
    invoice = alice.invoices.get()
    page = alice_client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert "by card" not in page
    assert "Pay by bank transfer" in page
    response = alice_client.post(f"/account/invoices/{invoice.pk}/pay/", {"method": "card"})
    assert response["Location"] == f"/account/invoices/{invoice.pk}/"
    assert not Payment.objects.exists()


def test_a_forged_demo_checkout_link_is_refused(alice_client, alice, fake):
    invoice = alice.invoices.get()
    response = alice_client.post(f"/account/invoices/{invoice.pk}/pay/", {"method": "card"})
    forged = response["Location"].rstrip("/") + "x/"
    assert alice_client.post(forged).status_code == 404
    assert not Payment.objects.exists()


def test_demo_checkout_is_off_when_the_gateway_is_not_fake(alice_client, alice, fake, settings):
    invoice = alice.invoices.get()
    checkout = alice_client.post(f"/account/invoices/{invoice.pk}/pay/", {"method": "card"})[
        "Location"
    ]
    settings.PAYMENT_GATEWAY = "offline"
    assert alice_client.post(checkout).status_code == 404
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("choice", "debug", "demo", "stripe_key", "expected"),
    [
        ("", False, False, "", OfflineGateway),
        ("", True, False, "", FakeGateway),
        ("", False, True, "", FakeGateway),
        ("fake", False, False, "", FakeGateway),
        ("offline", True, True, "", OfflineGateway),
        ("", False, False, "sk_test_123", StripeGateway),
        ("stripe", False, False, "sk_test_123", StripeGateway),
        # the fake gateway is never active when real Stripe keys are set
        ("fake", True, True, "sk_live_123", StripeGateway),
        ("", True, True, "sk_test_123", StripeGateway),
        ("offline", False, False, "sk_test_123", OfflineGateway),
        ("stripe", False, False, "", OfflineGateway),
    ],
)
def test_which_gateway_is_active(settings, business, choice, debug, demo, stripe_key, expected):
    settings.PAYMENT_GATEWAY = choice
    settings.DEBUG = debug
    settings.STRIPE_SECRET_KEY = stripe_key
    if demo:
        event_record(actor=Actor.system("tests"), action="demo.loaded", subject=business)
    gateway = payment_gateway()
    assert type(gateway) is expected
    assert not (stripe_key and gateway.demo)


def test_stripe_gateway_never_shows_its_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_secret_value"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_secret_value"
    gateway = payment_gateway()
    assert "secret_value" not in repr(gateway)
    assert "secret_value" not in str(vars(type(gateway)))
