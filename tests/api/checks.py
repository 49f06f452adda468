"""Assertions shared by the API tests."""

from __future__ import annotations

from fairbill.core.models import Event
from fairbill.invoicing.models import BillingRun, Invoice, InvoiceLine
from fairbill.payments.models import CreditEntry, Payment
from fairbill.subscriptions.models import Subscription, SubscriptionOption


def assert_invalid(response, field: str) -> None:
    """A 422 in the error format whose message (or `field`) names the field."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    named = (
        body.get("field") == field
        or field.replace("_", " ") in body["detail"].replace("_", " ").lower()
    )
    assert named, body


def rows() -> dict[str, int]:
    """How many rows the billing tables hold: compare before and after a refused request."""
    models = [
        Subscription,
        SubscriptionOption,
        Invoice,
        InvoiceLine,
        Payment,
        CreditEntry,
        Event,
        BillingRun,
    ]
    return {model.__name__: model.objects.count() for model in models}
