"""Automatic payments against Stripe's API played by tests/fakes/stripe_api.py."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
import stripe

from fairbill.core.actors import Actor
from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.gateways.base import MethodDetails, payment_gateway
from fairbill.payments.methods import customer_set_automatic, method_save
from tests.fakes.stripe_api import StripeFake

WEBHOOK_SECRET = "whsec_test_collect"  # noqa: S105 (test data)
ISSUED = date(2027, 1, 10)
DUE = date(2027, 1, 17)  # seven days' terms


@pytest.fixture
def stripe_fake(settings, httpserver):
    settings.PAYMENT_GATEWAY = ""
    settings.STRIPE_SECRET_KEY = "sk_test_collect"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_collect"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = httpserver.url_for("").rstrip("/")
    return StripeFake(httpserver)


@pytest.fixture
def gateway(stripe_fake):
    return payment_gateway()


@pytest.fixture
def payer(business, system, stripe_fake):
    """A customer paying automatically, and a function to save a method for it."""

    customer = customer_create(
        actor=system, name="Carol Card", email="carol@example.com", country="GB"
    )

    def save(pm_id: str = "pm_card_visa", kind: str = "card", last4: str = "4242"):
        stripe_fake.method_add(pm_id, customer="cus_carol", kind=kind, last4=last4)
        return method_save(
            actor=system,
            customer=customer,
            gateway="stripe",
            details=MethodDetails(
                reference=pm_id,
                gateway_customer="cus_carol",
                kind=kind,
                label="Visa" if kind == "card" else "SEPA Direct Debit",
                last4=last4,
                exp_month=12 if kind == "card" else None,
                exp_year=2030 if kind == "card" else None,
            ),
        )

    customer.save_method = save  # type: ignore[attr-defined]
    return customer


def automatic(customer, system, pm_id="pm_card_visa", kind="card"):
    customer.save_method(pm_id, kind=kind)
    return customer_set_automatic(actor=system, customer=customer, automatic=True)


def invoice_for(customer, system, amount="50.00", issue_date=ISSUED):
    return invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Hosting", "unit_price": amount}],
        issue_date=issue_date,
    )


def signed(payload: str) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, WEBHOOK_SECRET, int(time.time())
    )


def event_json(event_id: str, kind: str, obj: dict) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "data": {"object": obj},
        }
    )


def deliver(client, payload: str):
    return client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signed(payload)},
    )


@pytest.fixture
def run_actor() -> Actor:
    return Actor.system("billing run (test)")
