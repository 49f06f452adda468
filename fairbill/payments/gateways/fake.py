"""A pretend card gateway for demos and tests: its "checkout" is a page of ours with a Pay
button that records the payment at once. No money moves, and every page it shows says so.
It is never active when Stripe keys are set (see base.payment_gateway)."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.core import signing
from django.urls import reverse

from fairbill.invoicing.models import Invoice
from fairbill.payments.gateways.base import Checkout, Gateway

SALT = "fairbill.payments.fake-checkout"
MAX_AGE = 3600  # a fake checkout link works for an hour
NOTICE = "Demo payment — no money moves"


class FakeGateway(Gateway):
    name = "fake"
    label = "Card (demo)"
    demo = True

    def checkout_start(
        self, *, invoice: Invoice, amount: Decimal, success_url: str, cancel_url: str
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
            },
            salt=SALT,
        )
        return Checkout(url=reverse("portal:fake_checkout", args=[token]), reference=reference)


def checkout_read(token: str) -> dict[str, Any] | None:
    """The checkout a fake checkout link stands for, or None if it was altered or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None
