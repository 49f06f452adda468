"""Reading Stripe's objects (as plain dicts) into our values: pure, no network."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision

from fairbill.core.money import quantize
from fairbill.core.validation import ascii_digits
from fairbill.payments.gateways.base import Charge, MethodDetails

KINDS = ("card", "sepa_debit", "bacs_debit")


def from_minor_units(value: int, currency: str) -> Decimal:
    return quantize(Decimal(value).scaleb(-get_currency_precision(currency)), currency)


def _id(value: Any) -> str:
    """An expandable field: an id, or the object with its id."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def method_details(method: dict[str, Any], mandate: Any) -> MethodDetails | None:
    """A PaymentMethod's recognisable parts; None for a kind we don't charge."""
    kind = str(method.get("type") or "")
    if kind not in KINDS:
        return None
    details = method.get(kind) or {}
    if kind == "card":
        label = str(details.get("brand") or "card").title()
    else:
        label = str(details.get("bank_code") or details.get("sort_code") or "Bank account")
        label = f"{'SEPA' if kind == 'sepa_debit' else 'Bacs'} Direct Debit ({label})"
    mandate_reference = ""
    if isinstance(mandate, dict):
        mandate_details = (mandate.get("payment_method_details") or {}).get(kind) or {}
        mandate_reference = str(mandate_details.get("reference") or mandate.get("id") or "")
    elif mandate:
        mandate_reference = str(mandate)
    return MethodDetails(
        reference=str(method["id"]),
        gateway_customer=_id(method.get("customer")),
        kind=kind,
        label=label[:60],
        last4=str(details.get("last4") or "")[:4],
        exp_month=details.get("exp_month") if kind == "card" else None,
        exp_year=details.get("exp_year") if kind == "card" else None,
        mandate_reference=mandate_reference[:100],
    )


def charge_from_intent(intent: dict[str, Any]) -> Charge:
    """A PaymentIntent's state as a charge: succeeded, pending (processing: a Direct Debit
    takes days), failed (with its last error), or pending for states still moving."""
    status = intent.get("status")
    currency = str(intent.get("currency") or "").upper()
    metadata = intent.get("metadata") or {}
    attempt = str(metadata.get("attempt_id") or "")
    types = intent.get("payment_method_types") or ["card"]
    error = intent.get("last_payment_error") or {}
    state = {
        "succeeded": "succeeded",
        "processing": "pending",
        "requires_payment_method": "failed",
        "canceled": "failed",
        "requires_action": "failed",
        "requires_confirmation": "failed",
    }.get(str(status), "pending")
    code = str(error.get("code") or "")
    if status == "requires_action":
        code = "authentication_required"
    elif status == "canceled" and not code:
        code = "canceled"
    amount = intent.get("amount_received") if state == "succeeded" else intent.get("amount")
    return Charge(
        state=state,
        reference=str(intent.get("id") or ""),
        amount=from_minor_units(int(amount or 0), currency) if currency else None,
        currency=currency,
        method_kind=str(types[0]),
        code=code if state == "failed" else "",
        decline_code=str(error.get("decline_code") or "") if state == "failed" else "",
        message=str(error.get("message") or "")[:300] if state == "failed" else "",
        attempt_id=int(attempt) if ascii_digits(attempt) else None,
    )
