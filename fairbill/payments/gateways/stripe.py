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
from django.conf import settings

from fairbill.core.money import quantize
from fairbill.core.validation import ascii_digits
from fairbill.invoicing.models import Invoice
from fairbill.payments.gateways.base import (
    Charge,
    ChargeRequest,
    Checkout,
    Gateway,
    GatewayPayment,
    MethodDetails,
)
from fairbill.payments.gateways.stripe_objects import (
    charge_from_intent,
    from_minor_units,
    method_details,
)

TIMEOUT = 20  # seconds: a charge holds the customer's lock while it waits

PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}


class WebhookRefused(Exception):
    """The request is not a genuine Stripe webhook (bad or missing signature, not JSON)."""


def minor_units(amount: Decimal, currency: str) -> int:
    """Stripe takes amounts as integers in the currency's smallest unit (pence, cents)."""
    return int(quantize(amount, currency).scaleb(get_currency_precision(currency)))


class StripeGateway(Gateway):
    name = "stripe"
    label = "Card"
    saves_methods = True

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str = "") -> None:
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._api_base = api_base

    def __repr__(self) -> str:  # never show the keys
        return "StripeGateway()"

    def _client(self) -> stripe_sdk.StripeClient:
        addresses: Any = {"api": self._api_base} if self._api_base else None
        return stripe_sdk.StripeClient(
            self._secret_key,
            base_addresses=addresses,
            max_network_retries=1,
            http_client=stripe_sdk.new_default_http_client(timeout=TIMEOUT),
        )

    def checkout_start(
        self,
        *,
        invoice: Invoice,
        amount: Decimal,
        success_url: str,
        cancel_url: str,
        save_for: str = "",
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
        if save_for:  # "save this card for future payments": kept for off-session charges
            params["customer"] = save_for
            params["payment_intent_data"]["setup_future_usage"] = "off_session"
            params["metadata"] = {**metadata, "save_method": "1"}
        elif invoice.customer.email:
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
            intent=self._session_intent(session),
        )

    def _session_intent(self, session: dict[str, Any]) -> str:
        """The PaymentIntent of a paid Checkout session: the event carries it (an id, or the
        object when expanded); asked of Stripe when it does not."""
        found = session.get("payment_intent")
        if not found:
            try:
                found = (
                    self._client().v1.checkout.sessions.retrieve(str(session["id"])).payment_intent
                )
            except stripe_sdk.StripeError:
                return ""  # the payment is recorded all the same, matched by its session
        if isinstance(found, dict):
            return str(found.get("id") or "")
        return str(found if isinstance(found, str) else getattr(found, "id", "") or "")

    # Saved methods and automatic charges (payments/collection.py, docs/payments.md).

    def customer_create(self, *, customer_id: int, name: str, email: str) -> str:
        created = self._client().v1.customers.create(
            {"name": name, "email": email, "metadata": {"customer_id": str(customer_id)}},
            {"idempotency_key": f"fairbill-customer-{customer_id}"},
        )
        return str(created.id)

    def setup_start(
        self,
        *,
        customer_id: int,
        email: str,
        gateway_customer: str,
        success_url: str,
        cancel_url: str,
    ) -> Checkout:
        params: Any = {
            "mode": "setup",
            "customer": gateway_customer,
            "payment_method_types": list(settings.STRIPE_SETUP_METHODS),
            "success_url": success_url.replace("{REFERENCE}", "{CHECKOUT_SESSION_ID}"),
            "cancel_url": cancel_url,
            "metadata": {"customer_id": str(customer_id)},
            "setup_intent_data": {"metadata": {"customer_id": str(customer_id)}},
        }
        session = self._client().v1.checkout.sessions.create(params)
        return Checkout(url=str(session.url), reference=str(session.id))

    def setup_result(self, *, reference: str) -> MethodDetails | None:
        """The method saved by a setup Checkout Session (cs_…) or a SetupIntent (seti_…)."""
        client = self._client()
        if reference.startswith("cs_"):
            session = client.v1.checkout.sessions.retrieve(reference)
            intent_id = session.setup_intent
            if not intent_id:
                return None
            reference = intent_id if isinstance(intent_id, str) else str(intent_id.id)
        intent = client.v1.setup_intents.retrieve(
            reference, {"expand": ["payment_method", "mandate"]}
        ).to_dict()
        if intent.get("status") != "succeeded" or not isinstance(
            intent.get("payment_method"), dict
        ):
            return None
        return method_details(intent["payment_method"], intent.get("mandate"))

    def checkout_saved_method(self, *, session: dict[str, Any]) -> MethodDetails | None:
        """The card a paid Checkout Session saved for later ("save for future payments")."""
        if (session.get("metadata") or {}).get("save_method") != "1":
            return None
        intent_id = session.get("payment_intent")
        if isinstance(intent_id, dict):
            intent_id = intent_id.get("id")
        if not intent_id:
            return None
        intent = (
            self._client()
            .v1.payment_intents.retrieve(str(intent_id), {"expand": ["payment_method"]})
            .to_dict()
        )
        method = intent.get("payment_method")
        return method_details(method, None) if isinstance(method, dict) else None

    def method_retrieve(self, *, reference: str) -> MethodDetails | None:
        method = self._client().v1.payment_methods.retrieve(reference).to_dict()
        return method_details(method, None) if method.get("customer") else None

    def method_detach(self, *, reference: str) -> None:
        try:
            self._client().v1.payment_methods.detach(reference)
        except stripe_sdk.InvalidRequestError as exc:
            if exc.code != "payment_method_unattached" and exc.http_status != 404:
                raise

    def charge(self, request: ChargeRequest) -> Charge:
        """An off-session PaymentIntent, confirmed at once, keyed by the attempt: sending it
        again with the same key (after a time-out) never charges twice."""
        metadata = {
            "attempt_id": str(request.attempt_id),
            "invoice_id": str(request.invoice_id),
            "invoice_number": request.invoice_number,
            "customer_id": str(request.customer_id),
        }
        params: Any = {
            "amount": minor_units(request.amount, request.currency),
            "currency": request.currency.lower(),
            "customer": request.gateway_customer,
            "payment_method": request.method_reference,
            "payment_method_types": [request.method_kind],
            "off_session": True,
            "confirm": True,
            "description": f"Invoice {request.invoice_number}",
            "metadata": metadata,
        }
        try:
            intent = self._client().v1.payment_intents.create(
                params, {"idempotency_key": request.idempotency_key}
            )
        except stripe_sdk.CardError as exc:
            return _declined(exc, request)
        except stripe_sdk.InvalidRequestError as exc:  # e.g. the method was detached
            return Charge(
                state="failed",
                code=str(exc.code or "invalid_request"),
                message=str(exc.user_message or "The payment method can't be charged.")[:300],
                attempt_id=request.attempt_id,
            )
        except (stripe_sdk.APIConnectionError, stripe_sdk.APIError, stripe_sdk.RateLimitError):
            return Charge(state="unknown", attempt_id=request.attempt_id)
        return charge_from_intent(intent.to_dict())

    def charge_lookup(self, *, reference: str) -> Charge:
        try:
            intent = self._client().v1.payment_intents.retrieve(reference)
        except (stripe_sdk.APIConnectionError, stripe_sdk.APIError, stripe_sdk.RateLimitError):
            return Charge(state="unknown", reference=reference)
        return charge_from_intent(intent.to_dict())

    def charge_find(self, *, request: ChargeRequest) -> Charge | None:
        """Stripe's search of the customer's PaymentIntents by the attempt id in their
        metadata; a hit for another invoice (an attempt id of a database restored from a
        backup, say) is not ours. Anything else that is not plainly one charge of this
        attempt (several, more than a page, another currency) leaves it unknown for staff
        rather than have it charged again. Search results can lag new PaymentIntents by up to
        a minute (an hour during outages): it is asked only about attempts older than a day
        (collection.KEY_KEPT)."""
        attempt_id = int(request.attempt_id)
        query = (
            f"customer:'{_quoted(request.gateway_customer)}'"
            f" AND metadata['attempt_id']:'{attempt_id}'"
        )
        try:
            found = self._client().v1.payment_intents.search({"query": query, "limit": 10})
        except stripe_sdk.StripeError as exc:  # down, or search refused (not in every country)
            reason = str(getattr(exc, "user_message", "") or type(exc).__name__)
            return Charge(
                state="unknown",
                attempt_id=attempt_id,
                message=f"Stripe's search of payments could not be used: {reason}"[:300],
            )
        intents = [found_intent.to_dict() for found_intent in found.data]
        ours = [
            intent
            for intent in intents
            if (intent.get("metadata") or {}).get("invoice_id") == str(request.invoice_id)
        ]
        doubt = ""
        if getattr(found, "has_more", False):  # more than a page: not Fairbill's doing
            doubt = f"more than {len(intents)} PaymentIntents carry this attempt"
        elif len(ours) > 1:
            doubt = "several PaymentIntents carry this attempt: " + ", ".join(
                str(intent["id"]) for intent in ours
            )
        elif ours and str(ours[0].get("currency", "")).upper() != request.currency.upper():
            doubt = f"PaymentIntent {ours[0]['id']} carries this attempt in another currency"
        if doubt:  # never sent again blind: staff look at them on Stripe
            return Charge(state="unknown", attempt_id=attempt_id, message=doubt[:300])
        if not ours:
            return None
        return charge_from_intent(ours[0])

    def refund(
        self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> str:
        client = self._client()
        intent = payment_reference
        if payment_reference.startswith("cs_"):  # paid through Checkout: its PaymentIntent
            found = client.v1.checkout.sessions.retrieve(payment_reference).payment_intent
            intent = found if isinstance(found, str) else str(getattr(found, "id", ""))
        refund = client.v1.refunds.create(
            {"payment_intent": intent, "amount": minor_units(amount, currency)},
            {"idempotency_key": idempotency_key},
        )
        return str(refund.id)

    def event_verify(self, *, payload: bytes, signature: str) -> dict[str, Any]:
        """The event Stripe signed (as plain dicts); WebhookRefused otherwise."""
        if not self._webhook_secret:
            raise WebhookRefused("no webhook secret is configured")
        try:
            event = stripe_sdk.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (ValueError, stripe_sdk.SignatureVerificationError) as exc:
            raise WebhookRefused(type(exc).__name__) from None
        return event.to_dict()

    def object_retrieve(self, *, kind: str, reference: str) -> dict[str, Any]:
        """The current state of an object an event names (events may arrive in any order)."""
        client = self._client().v1
        services: dict[str, Any] = {
            "payment_intent": client.payment_intents,
            "setup_intent": client.setup_intents,
            "charge": client.charges,
            "dispute": client.disputes,
            "payment_method": client.payment_methods,
            "mandate": client.mandates,
        }
        expand = {"setup_intent": ["payment_method", "mandate"], "charge": ["refunds"]}
        params: Any = {"expand": expand[kind]} if kind in expand else {}
        return services[kind].retrieve(reference, params).to_dict()


def _quoted(value: str) -> str:
    """A value inside a search query's single quotes (Stripe escapes quotes with \\)."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _declined(exc: stripe_sdk.CardError, request: ChargeRequest) -> Charge:
    """A 402 card error: Stripe's error object carries code, decline_code, message and the
    PaymentIntent it failed on."""
    error = exc.error
    intent = getattr(error, "payment_intent", None) if error is not None else None
    return Charge(
        state="failed",
        reference=str(intent.id) if intent is not None else "",
        amount=request.amount,
        currency=request.currency,
        method_kind=request.method_kind,
        code=str(exc.code or ""),
        decline_code=str(getattr(error, "decline_code", "") or ""),
        message=str(exc.user_message or "")[:300],
        attempt_id=request.attempt_id,
    )
