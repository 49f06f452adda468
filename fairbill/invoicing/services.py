"""Issuing and voiding invoices, and estimates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.hooks import hook_call
from fairbill.core.limits import amount_check, date_in_window
from fairbill.core.models import BusinessSettings
from fairbill.core.money import MAX_AMOUNT, format_money, parse_amount, parse_decimal
from fairbill.core.services import event_record
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_lock
from fairbill.invoicing.documents import (
    LineSpec,
    drafts_save,
    invoice_prepare,
    seller,
)
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.tax import tax_for_customer, vat_checks_refresh

MAX_LINES = 500
INVOICE_ISSUED = "invoice.issued"  # hook: invoice= (not for the billing run's, sent in bulk)
MAX_QUANTITY = Decimal("1000000")


def line_specs_parse(rows: Iterable[Mapping[str, Any]], currency: str) -> list[LineSpec]:
    """Validate manual lines [{description, quantity, unit_price}]. Every line is checked:
    the error lists each invalid line (`errors` = [{loc, line, msg}]), not just the first."""
    specs = []
    errors: list[dict[str, object]] = []
    for number, row in enumerate(rows, start=1):
        try:
            specs.append(_line_spec(row, f"line {number}", currency))
        except InvalidInput as exc:
            # The shape of the API's schema errors, with the line's number (from 1) too.
            errors.append({"loc": ["lines", number - 1], "line": number, "msg": exc.message})
    if errors:
        raise InvalidInput(" ".join(str(e["msg"]) for e in errors), "lines", errors=errors)
    if not specs:
        raise InvalidInput("lines: an invoice needs at least one line.", "lines")
    if len(specs) > MAX_LINES:
        raise InvalidInput(f"lines: at most {MAX_LINES} lines.", "lines")
    return specs


def _line_spec(row: Mapping[str, Any], label: str, currency: str) -> LineSpec:
    description = str(row.get("description") or "").strip()
    if not description:
        raise InvalidInput(f"{label}: give a description.", "lines")
    raw_quantity = row.get("quantity", "1")
    if isinstance(raw_quantity, float | bool):
        raise InvalidInput(f"{label}: give the quantity as a decimal string.", "lines")
    quantity = parse_decimal(
        raw_quantity if raw_quantity not in (None, "") else "1",
        field="lines",
        places=4,
        label=f"{label}: quantity",
    )
    if quantity <= 0 or quantity > MAX_QUANTITY:
        raise InvalidInput(f"{label}: quantity must be more than 0 and at most 1,000,000.", "lines")
    unit_price = parse_amount(
        row.get("unit_price"), currency, field=f"{label} unit price", allow_negative=True
    )
    amount_check(
        unit_price, kind="price", currency=currency, field="lines", label=f"{label} unit price"
    )
    return LineSpec(description=description, quantity=quantity, unit_price=unit_price)


def due_date_default(issue_date: date, business: BusinessSettings) -> date:
    return issue_date + timedelta(days=business.payment_terms_days)


def invoice_issue(
    *,
    actor: Actor,
    customer: Customer,
    kind: str,
    specs: list[LineSpec],
    issue_date: date,
    due_date: date | None = None,
    notes: str = "",
) -> Invoice:
    """Issue one invoice inside the caller's transaction (customer row locked by the caller):
    number it, tax it per the customer, log it, email it."""
    business = BusinessSettings.load()
    due = due_date or due_date_default(issue_date, business)
    if due < issue_date:
        raise InvalidInput(
            f"due date: {due:%-d %b %Y} is before the issue date ({issue_date:%-d %b %Y}).",
            "due_date",
        )
    draft = invoice_prepare(
        customer=customer,
        kind=kind,
        specs=specs,
        issue_date=issue_date,
        due_date=due,
        tax=tax_for_customer(customer, issue_date),
        seller_details=seller(business),
        now=clock.now(),
        notes=notes,
    )
    if draft.invoice.total < 0:
        raise InvalidInput(
            "total: an invoice can't be negative; add account credit instead.", "lines"
        )
    amounts = [draft.invoice.subtotal, draft.invoice.total, *(line.amount for line in draft.lines)]
    if any(abs(amount) > MAX_AMOUNT for amount in amounts):
        raise InvalidInput(f"total: an invoice can't be more than {MAX_AMOUNT}.", "lines")
    drafts_save([draft], business)
    invoice = draft.invoice
    event_record(
        actor=actor,
        action="invoice.issued",
        subject=invoice,
        customer_id=customer.pk,
        message=f"Invoice {invoice.number} for {format_money(invoice.total, invoice.currency)}",
        data={
            "number": invoice.number,
            "kind": kind,
            "total": str(invoice.total),
            "credit_applied": str(invoice.credit_applied),
        },
    )
    hook_call(INVOICE_ISSUED, invoice=invoice)
    return invoice


def invoice_create(
    *,
    actor: Actor,
    customer: Customer,
    lines: Iterable[Mapping[str, Any]],
    issue_date: date,
    due_date: date | None = None,
    notes: str = "",
    kind: str = Invoice.Kind.MANUAL,
) -> Invoice:
    """A manual invoice with any lines, taxed per the customer's tax treatment. When a
    reverse charge may apply, the customer's VAT number is checked first if its last
    valid check is missing or too old (an HTTP call, made before the transaction)."""
    vat_checks_refresh(
        actor=actor, customer_ids=[customer.pk], as_of=issue_date, business=BusinessSettings.load()
    )
    return _invoice_create(
        actor=actor,
        customer=customer,
        lines=lines,
        issue_date=issue_date,
        due_date=due_date,
        notes=notes,
        kind=kind,
    )


@transaction.atomic
def _invoice_create(
    *,
    actor: Actor,
    customer: Customer,
    lines: Iterable[Mapping[str, Any]],
    issue_date: date,
    due_date: date | None = None,
    notes: str = "",
    kind: str = Invoice.Kind.MANUAL,
) -> Invoice:
    customer = customer_lock(customer.pk)
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one; invoice that one.")
    specs = line_specs_parse(lines, customer.currency)
    # Invoices brought over from an old system may be old; none is dated years ahead.
    date_in_window(issue_date, field="issue_date", label="issue date", history=True)
    if due_date is not None:
        date_in_window(due_date, field="due_date", label="due date", history=True)
    return invoice_issue(
        actor=actor,
        customer=customer,
        kind=kind,
        specs=specs,
        issue_date=issue_date,
        due_date=due_date,
        notes=notes,
    )
