"""A pretend card gateway for demos and tests: its "checkout" is a page of ours with a Pay
button that records the payment at once. No money moves, and every page it shows says so.
It is never active when Stripe keys are set (see base.payment_gateway).

It can also save a pretend card (My Account → Payment methods) and charge it off session,
so the demo shows renewals collected by the daily run: a saved card ending 0002 is
declined, one ending 9995 has insufficient funds, any other is charged."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.core import signing
from django.urls import reverse

from fairbill.invoicing.models import Invoice
from fairbill.payments.gateways.base import (
    Charge,
    ChargeRequest,
    Checkout,
    Gateway,
    MethodDetails,
)

SALT = "fairbill.payments.fake-checkout"
SETUP_SALT = "fairbill.payments.fake-setup"
MAX_AGE = 3600  # a fake checkout link works for an hour
NOTICE = "Demo payment — no money moves"
DECLINES = {
    "0002": ("card_declined", "generic_decline", "Your card was declined."),
    "9995": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
}


class FakeGateway(Gateway):
    name = "fake"
    label = "Card (demo)"
    demo = True
    saves_methods = True

    def checkout_start(
        self,
        *,
        invoice: Invoice,
        amount: Decimal,
        success_url: str,
        cancel_url: str,
        save_for: str = "",
    ) -> Checkout:
        reference = f"fake_{secrets.token_hex(12)}"
        token = signing.dumps(
            {
                "invoice": invoice.pk,
                "amount": str(amount),
                "currency": invoice.currency,
                "reference": reference,
                "success": success_url.replace("{REFERENCE}", reference),
                "cancel": cancel_url,
                "save_for": save_for,
            },
            salt=SALT,
        )
        return Checkout(url=reverse("portal:fake_checkout", args=[token]), reference=reference)

    def customer_create(self, *, customer_id: int, name: str, email: str) -> str:
        return f"fake_cus_{customer_id}"

    def setup_start(
        self,
        *,
        customer_id: int,
        email: str,
        gateway_customer: str,
        success_url: str,
        cancel_url: str,
    ) -> Checkout:
        token = signing.dumps(
            {
                "customer": customer_id,
                "gateway_customer": gateway_customer,
                "success": success_url,
                "cancel": cancel_url,
            },
            salt=SETUP_SALT,
        )
        return Checkout(url=reverse("portal:fake_setup", args=[token]), reference="")

    def setup_result(self, *, reference: str) -> MethodDetails | None:
        """`reference` is what the fake setup page signed: the card the person chose."""
        try:
            data = signing.loads(reference, salt=SETUP_SALT + ".done", max_age=MAX_AGE)
        except signing.BadSignature:
            return None
        return MethodDetails(
            reference=data["method"],
            gateway_customer=data["gateway_customer"],
            kind="card",
            label="Visa (demo)",
            last4=data["last4"],
            exp_month=12,
            exp_year=data["exp_year"],
        )

    def method_detach(self, *, reference: str) -> None:
        return None

    def charge(self, request: ChargeRequest) -> Charge:
        last4 = request.method_reference.rsplit("_", 1)[-1]
        declined = DECLINES.get(last4)
        if declined is not None:
            code, decline_code, message = declined
            return Charge(
                state="failed",
                reference=f"fake_pi_{request.attempt_id}",
                amount=request.amount,
                currency=request.currency,
                code=code,
                decline_code=decline_code,
                message=message,
                attempt_id=request.attempt_id,
            )
        return Charge(
            state="succeeded",
            reference=f"fake_pi_{request.attempt_id}",
            amount=request.amount,
            currency=request.currency,
            attempt_id=request.attempt_id,
        )

    def charge_lookup(self, *, reference: str) -> Charge:
        return Charge(state="unknown", reference=reference)

    def charge_find(self, *, request: ChargeRequest) -> Charge | None:
        return None  # the fake keeps nothing: its charges are answered at once

    def refund(
        self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> str:
        return f"fake_re_{idempotency_key}"


def setup_done(data: dict[str, Any], *, last4: str, exp_year: int) -> str:
    """The reference the fake setup page hands back on success (signed, so the card can't
    be made up by editing the link)."""
    return signing.dumps(
        {
            "method": f"fake_pm_{secrets.token_hex(6)}_{last4}",
            "gateway_customer": data["gateway_customer"],
            "customer": data["customer"],
            "last4": last4,
            "exp_year": exp_year,
        },
        salt=SETUP_SALT + ".done",
    )


def checkout_card(data: dict[str, Any]) -> MethodDetails:
    """The demo card a fake checkout with "save for future payments" keeps."""
    return MethodDetails(
        reference=f"fake_pm_{data['reference']}_4242",
        gateway_customer=str(data["save_for"]),
        kind="card",
        label="Visa (demo)",
        last4="4242",
        exp_month=12,
        exp_year=2030,
    )


def setup_read(token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=SETUP_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def checkout_read(token: str) -> dict[str, Any] | None:
    """The checkout a fake checkout link stands for, or None if it was altered or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None
