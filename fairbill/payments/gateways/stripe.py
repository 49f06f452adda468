"""Card payments through Stripe Checkout, with the official `stripe` SDK.

The customer is sent to a Checkout Session for the invoice's balance; Stripe then calls our
webhook (/payments/stripe/webhook/) with `checkout.session.completed` (or, for delayed
methods, `checkout.session.async_payment_succeeded`). The webhook's signature is checked
with the endpoint's secret, and the payment is recorded once per Checkout Session id, however
often and in whatever order Stripe delivers it. Keys are read from the environment and never
logged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe as stripe_sdk
from babel.numbers import get_currency_precision

from fairbill.core.money import quantize
from fairbill.core.validation import ascii_digits
from fairbill.invoicing.models import Invoice
from fairbill.payments.gateways.base import Checkout, Gateway, GatewayPayment

PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}


class WebhookRefused(Exception):
    """The request is not a genuine Stripe webhook (bad or missing signature, not JSON)."""


def minor_units(amount: Decimal, currency: str) -> int:
    """Stripe takes amounts as integers in the currency's smallest unit (pence, cents)."""
    return int(quantize(amount, currency).scaleb(get_currency_precision(currency)))


def from_minor_units(value: int, currency: str) -> Decimal:
    return quantize(Decimal(value).scaleb(-get_currency_precision(currency)), currency)


class StripeGateway(Gateway):
    name = "stripe"
    label = "Card"

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str = "") -> None:
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._api_base = api_base

    def __repr__(self) -> str:  # never show the keys
        return "StripeGateway()"

    def _client(self) -> stripe_sdk.StripeClient:
        addresses: Any = {"api": self._api_base} if self._api_base else None
        return stripe_sdk.StripeClient(
            self._secret_key, base_addresses=addresses, max_network_retries=1
        )

    def checkout_start(
        self, *, invoice: Invoice, amount: Decimal, success_url: str, cancel_url: str
    ) -> Checkout:
        metadata = {
            "invoice_id": str(invoice.pk),
            "invoice_number": invoice.number or "",
            "customer_id": str(invoice.customer_id),
        }
        params: Any = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": invoice.currency.lower(),
                        "unit_amount": minor_units(amount, invoice.currency),
                        "product_data": {"name": f"Invoice {invoice.number}"},
                    },
                }
            ],
            "success_url": success_url.replace("{REFERENCE}", "{CHECKOUT_SESSION_ID}"),
            "cancel_url": cancel_url,
            "client_reference_id": str(invoice.pk),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        if invoice.customer.email:
            params["customer_email"] = invoice.customer.email
        session = self._client().v1.checkout.sessions.create(params)
        return Checkout(url=str(session.url), reference=str(session.id))

    def webhook_payment(self, *, payload: bytes, signature: str) -> GatewayPayment | None:
        """The payment a webhook reports, None for events that are not a paid checkout.
        Raises WebhookRefused unless Stripe signed the payload with our endpoint's secret."""
        if not self._webhook_secret:
            raise WebhookRefused("no webhook secret is configured")
        try:
            event = stripe_sdk.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (ValueError, stripe_sdk.SignatureVerificationError) as exc:
            raise WebhookRefused(type(exc).__name__) from None
        if event.type not in PAID_EVENTS:
            return None
        session = event.data.object.to_dict()  # plain dicts, recursively
        if session.get("payment_status") != "paid":
            return None  # e.g. a bank debit still pending: async_payment_succeeded follows
        metadata = session.get("metadata") or {}
        invoice_id = str(metadata.get("invoice_id") or session.get("client_reference_id") or "")
        currency = str(session.get("currency") or "").upper()
        if not ascii_digits(invoice_id) or not currency:
            return None
        return GatewayPayment(
            reference=str(session["id"]),
            invoice_id=int(invoice_id),
            amount=from_minor_units(int(session.get("amount_total") or 0), currency),
            currency=currency,
        )
