"""The history in words: what each audit Event's action means to a person, and its data as
short lines ("status: active → suspended", "moved: 1 customer note, 2 invoices").

Every action written anywhere in fairbill/ has a title here; a test keeps it so.
"""

from __future__ import annotations

import re
from typing import Any

from fairbill.core.models import Event

EVENT_TITLES: dict[str, str] = {
    # customers
    "customer.created": "Customer created",
    "customer.updated": "Details changed",
    "customer.status_changed": "Customer status changed",
    "customer.note_added": "Note added",
    "customer.vat_checked": "VAT number checked (VIES or HMRC)",
    "customer.merged": "Another customer merged into this one",
    "customer.merged_away": "Merged into another customer",
    "customer.login_created": "My Account login created",
    "customer.login_invited": "My Account invitation sent",
    "customer.login_disabled": "My Account login disabled",
    "customer.login_enabled": "My Account login enabled",
    "customer.password_changed": "My Account password changed",
    "customer.login_as": "Staff logged in to My Account as the customer",
    "customer.login_as_ended": "Staff left the customer's My Account",
    "customer.hourly_rate_set": "Hourly rate set",
    "customer.hourly_rate_removed": "Hourly rate removed",
    # orders and packages
    "order.placed": "Order placed",
    "subscription.created": "Package added",
    "subscription.edited": "Package edited",
    "subscription.changed": "Package upgraded or downgraded",
    "subscription.active": "Package activated",
    "subscription.pending": "Package set to pending",
    "subscription.suspended": "Package suspended",
    "subscription.cancelled": "Package cancelled",
    "subscription.error": "Package set to error (signup or renewal failed)",
    "subscription.renewal_reversed": "Renewal reversed by a credit note (renewal date moved back)",
    # invoices, estimates, payments, credit
    "invoice.issued": "Invoice issued",
    "invoice.voided": "Invoice voided",
    "invoice.reminded": "Payment reminder sent",
    "invoice.paid": "Invoice paid",
    "credit_note.issued": "Credit note issued",
    "estimate.created": "Estimate created",
    "estimate.status_changed": "Estimate status changed",
    "estimate.invoiced": "Estimate turned into an invoice",
    "estimate.sent": "Estimate sent to the customer",
    "estimate.accepted": "Estimate accepted (invoice issued)",
    "estimate.declined": "Estimate declined",
    "payment.recorded": "Payment recorded",
    "payment.unmatched": "Payment received that matched no invoice",
    "payment.refunded": "Payment refunded",
    "payment.disputed": "Payment disputed by the customer's bank",
    "dispute.closed": "Dispute closed",
    "charge.succeeded": "Automatic payment collected",
    "charge.pending": "Direct Debit submitted (settling)",
    "charge.failed": "Automatic payment failed",
    "charge.unknown": "Automatic payment: no answer yet (to be checked)",
    "charge.closed": "Automatic payment closed by staff (not charged)",
    "payment_method.saved": "Payment method saved",
    "payment_method.default": "Default payment method changed",
    "payment_method.removed": "Payment method removed",
    "webhook.unmatched": "Gateway notice that matched nothing (kept for staff)",
    "credit.added": "Account credit added",
    "credit.removed": "Account credit removed (a correction)",
    "credit.applied": "Account credit applied to an invoice",
    "time.invoiced": "Tracked time invoiced",
    # emails
    "email.resent": "Email sent again",
    "email_template.updated": "Email template changed",
    # catalogue and settings
    "package.created": "Package created in the catalogue",
    "package.updated": "Package changed in the catalogue",
    "option.created": "Option created",
    "option.updated": "Option changed",
    "order_form.created": "Order form created",
    "order_form.updated": "Order form changed",
    "tax_rate.created": "Tax rate created",
    "tax_rate.updated": "Tax rate changed",
    "tax_rate.deleted": "Tax rate deleted",
    "settings.updated": "Settings changed",
    "demo.loaded": "Demo data loaded",
    # staff and API keys
    "staff.created": "Staff user created",
    "staff.privileges_changed": "Staff privileges changed",
    "staff.2fa_enabled": "Two-factor authentication turned on",
    "staff.2fa_removed": "Two-factor authentication removed",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    # Basecamp
    "basecamp.credentials_saved": "Basecamp app details saved",
    "basecamp.authorized": "Basecamp access authorised",
    "basecamp.connected": "Basecamp connected",
    "basecamp.disconnected": "Basecamp disconnected",
    "basecamp.token_refreshed": "Basecamp access renewed",
    "basecamp.customers_imported": "Customers imported from Basecamp",
    "basecamp.projects_synced": "Basecamp projects fetched",
    "basecamp.project_linked": "Basecamp project linked to a customer",
}


def event_title(action: str) -> str:
    """What happened, in words; an action without a title still reads as words."""
    if action in EVENT_TITLES:
        return EVENT_TITLES[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")
# Data keys whose values are Fairbill's own codes (bank_transfer, credit_note), shown as words;
# everywhere else a value is shown as it is (a username, a reference).
CODE_KEYS = {"method", "kind", "status", "refund_method", "payment_method", "tax_treatment"}
# Data keys holding a plain list (everywhere else a two-item list is [before, after]).
LIST_KEYS = {"fields", "accounts", "periods", "offsets", "prices"}
LIST_KEYS_OF = {"staff.created": {"privileges"}}


def event_details(event: Event) -> list[str]:
    """An event's data as short lines: "email: old → new" for changes, "key: value" else."""
    plain = LIST_KEYS | LIST_KEYS_OF.get(event.action, set())
    lines = []
    for key, value in (event.data or {}).items():
        label = key.replace("_", " ")
        words = _code_words if key in CODE_KEYS else _text
        if _is_change(value) and key not in plain:
            if value[0] != value[1]:  # "status: paid → paid" says nothing
                lines.append(f"{label}: {words(value[0])} → {words(value[1])}")
        else:
            lines.append(f"{label}: {words(value)}")
    return lines


def _is_change(value: Any) -> bool:
    return (
        isinstance(value, list) and len(value) == 2 and not any(isinstance(v, dict) for v in value)
    )


def _text(value: Any) -> str:
    """A value in words: counts as "2 invoices", lists joined, yes/no, "—" for nothing."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(
            f"{v} {k.replace('_', ' ')}"
            if isinstance(v, int)
            else f"{k.replace('_', ' ')} {_text(v)}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        separator = " | " if all(isinstance(v, dict) for v in value) else ", "
        return separator.join(_text(v) for v in value)
    return str(value)


def _code_words(value: Any) -> str:
    """A code such as bank_transfer in words; anything else as _text shows it."""
    if isinstance(value, str) and CODE.fullmatch(value):
        return value.replace("_", " ")
    return _text(value)
