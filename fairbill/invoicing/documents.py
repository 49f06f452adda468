"""Building invoices in memory and saving them in bulk: shared by every path that issues an
invoice (manual, renewal, signup, change, time), so the rules live in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection
from django_countries import countries

from fairbill.core.bulk import bulk_insert_rows, ids_take
from fairbill.core.models import BusinessSettings
from fairbill.core.money import ZERO, quantize
from fairbill.core.numbering import INVOICE, number_format, numbers_take
from fairbill.customers.models import Customer
from fairbill.invoicing.calculations import LineInput, Totals, invoice_totals
from fairbill.invoicing.models import Invoice, InvoiceLine, InvoiceTax
from fairbill.invoicing.tax import AppliedTax
from fairbill.invoicing.totals import invoices_totals_add


@dataclass(frozen=True)
class LineSpec:
    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal(1)
    kind: str = InvoiceLine.Kind.MANUAL
    subscription_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    taxable: bool = True


@dataclass
class InvoiceDraft:
    invoice: Invoice
    lines: list[InvoiceLine]
    taxes: list[InvoiceTax]
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=512)
def _country_name(code: str) -> str:
    return str(countries.name(code))


# The customer fields an invoice's "bill to" copies (values() gives the country as its code).
BILL_TO_FIELDS = (
    "name",
    "company",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
    "vat_number",
    "company_number",
    "company_number_scheme",
    "electronic_address",
    "electronic_address_scheme",
    "buyer_reference",
    "payment_method",
)


def bill_to(customer: Customer) -> dict[str, str]:
    values = {name: getattr(customer, name) for name in BILL_TO_FIELDS}
    values["country"] = str(customer.country.code or "")
    return bill_to_values(values)


def bill_to_values(values: Mapping[str, Any]) -> dict[str, str]:
    """bill_to from the customer's BILL_TO_FIELDS values (country as its code)."""
    code = values["country"] or ""
    return {
        "name": values["name"],
        "company": values["company"],
        "email": values["email"],
        "address_line1": values["address_line1"],
        "address_line2": values["address_line2"],
        "city": values["city"],
        "region": values["region"],
        "postcode": values["postcode"],
        "country": code,
        "country_name": _country_name(code) if code else "",
        "vat_number": values["vat_number"],
        "company_number": values["company_number"],
        "company_number_scheme": values["company_number_scheme"],
        "electronic_address": values["electronic_address"],
        "electronic_address_scheme": values["electronic_address_scheme"],
        "buyer_reference": values["buyer_reference"],
        "payment_method": values["payment_method"],
    }


def seller(business: BusinessSettings) -> dict[str, str]:
    return {
        "name": business.company_name,
        "email": business.email,
        "phone": business.phone,
        "address_line1": business.address_line1,
        "address_line2": business.address_line2,
        "city": business.city,
        "region": business.region,
        "postcode": business.postcode,
        "country": str(business.country.code or "") if business.country else "",
        "country_name": str(business.country.name) if business.country else "",
        "vat_number": business.vat_number,
        "iban": business.iban,
        "bic": business.bic,
        "bank_account_name": business.bank_account_name,
        "company_number": business.company_number,
        "company_number_scheme": business.company_number_scheme,
        "electronic_address": business.electronic_address,
        "electronic_address_scheme": business.electronic_address_scheme,
        "payment_instructions": business.payment_instructions,
        "logo": business.logo.name if business.logo else "",
    }


@lru_cache(maxsize=4096)
def _totals(
    lines: tuple[tuple[Decimal, Decimal, bool], ...], rate: Decimal, name: str, currency: str
) -> Totals:
    """invoice_totals of lines given as (quantity, unit price, taxable), the taxable ones at
    this tax rate, remembered: the invoices of a billing run have a few shapes (the same
    prices, quantities and tax) among thousands. Read only: the result is shared."""
    return invoice_totals(
        [
            LineInput(quantity, price, rate, name)
            if taxable
            else LineInput(quantity, price, ZERO, "")
            for quantity, price, taxable in lines
        ],
        currency,
    )


@dataclass
class InvoiceRows:
    """An issued invoice held as rows ({attname: value}), the way drafts are saved. The
    billing run prepares thousands at once this way: building model instances would cost
    more than writing them."""

    invoice: dict[str, Any]
    lines: list[dict[str, Any]]
    taxes: list[dict[str, Any]]


def invoice_rows_prepare(
    *,
    customer_id: int,
    currency: str,
    bill_to_details: dict[str, str],
    kind: str,
    specs: Sequence[LineSpec],
    issue_date: date,
    due_date: date,
    tax: AppliedTax,
    seller_details: dict[str, str],
    now: datetime,
    notes: str = "",
) -> InvoiceRows:
    """An issued (unpaid) invoice with its lines and tax summary, as rows not yet numbered."""
    rate, name = tax.rate, tax.name
    totals = _totals(
        tuple((spec.quantity, spec.unit_price, spec.taxable) for spec in specs),
        rate,
        name,
        currency,
    )
    paid = totals.total <= 0
    invoice = {
        "customer_id": customer_id,
        "kind": kind,
        "status": Invoice.Status.PAID if paid else Invoice.Status.UNPAID,
        "currency": currency,
        "issue_date": issue_date,
        "due_date": due_date,
        "subtotal": totals.subtotal,
        "tax": totals.tax,
        "total": totals.total,
        "credit_applied": ZERO,
        "balance": totals.total,
        "bill_to": bill_to_details,
        "seller": seller_details,
        "notes": notes,
        "tax_treatment": tax.treatment,
        "tax_note": tax.note,
        "tax_exemption_code": tax.exemption_code,
        "created_at": now,
        "paid_on": issue_date if paid else None,
    }
    lines = [
        {
            "position": position,
            "kind": spec.kind,
            "description": spec.description[:500],
            "quantity": spec.quantity,
            "unit_price": spec.unit_price,
            "amount": amount,
            "tax_name": name if spec.taxable else "",
            "tax_rate": rate if spec.taxable else ZERO,
            "subscription_id": spec.subscription_id,
            "period_start": spec.period_start,
            "period_end": spec.period_end,
        }
        for position, (spec, amount) in enumerate(
            zip(specs, totals.line_amounts, strict=True), start=1
        )
    ]
    taxes = [{"name": t.name, "rate": t.rate, "net": t.net, "tax": t.tax} for t in totals.taxes]
    assert totals.total == quantize(totals.total, currency)
    return InvoiceRows(invoice, lines, taxes)


def invoice_prepare(
    *,
    customer: Customer,
    kind: str,
    specs: Sequence[LineSpec],
    issue_date: date,
    due_date: date,
    tax: AppliedTax,
    seller_details: dict[str, str],
    now: datetime,
    notes: str = "",
) -> InvoiceDraft:
    """An unsaved, issued (unpaid) invoice with its lines and tax summary."""
    rows = invoice_rows_prepare(
        customer_id=customer.pk,
        currency=customer.currency,
        bill_to_details=bill_to(customer),
        kind=kind,
        specs=specs,
        issue_date=issue_date,
        due_date=due_date,
        tax=tax,
        seller_details=seller_details,
        now=now,
        notes=notes,
    )
    values = {k: v for k, v in rows.invoice.items() if k != "customer_id"}
    return InvoiceDraft(
        Invoice(customer=customer, **values),
        [InvoiceLine(**line) for line in rows.lines],
        [InvoiceTax(**tax) for tax in rows.taxes],
    )


def drafts_save(drafts: Sequence[InvoiceDraft], business: BusinessSettings) -> None:
    """Number and insert invoices held as model instances, with their lines and taxes
    (inside the caller's transaction): invoices_save does it, then the instances get their
    ids and numbers."""
    if not drafts:
        return
    fields = [
        f.attname
        for f in Invoice._meta.concrete_fields
        if not f.primary_key and f.attname not in ("number", "sequence")
    ]
    rows = [
        InvoiceRows(
            {name: getattr(draft.invoice, name) for name in fields},
            [_values(line, exclude="invoice_id") for line in draft.lines],
            [_values(tax, exclude="invoice_id") for tax in draft.taxes],
        )
        for draft in drafts
    ]
    invoices_save(rows, business)
    for draft, saved in zip(drafts, rows, strict=True):
        invoice = draft.invoice
        invoice.pk = saved.invoice["id"]
        invoice.number, invoice.sequence = saved.invoice["number"], saved.invoice["sequence"]
        invoice._state.adding = False
        invoice._state.db = "default"
        for line in draft.lines:
            line.invoice = invoice
        for tax in draft.taxes:
            tax.invoice = invoice


def _values(obj: InvoiceLine | InvoiceTax, *, exclude: str) -> dict[str, Any]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in type(obj)._meta.concrete_fields
        if not f.primary_key and f.attname != exclude
    }


def invoices_save(
    drafts: Sequence[InvoiceRows],
    business: BusinessSettings,
    *,
    before_numbers: Callable[[], object] | None = None,
) -> None:
    """Number and insert invoices with their lines and taxes (inside the caller's
    transaction), and add them to the daily totals (one statement per day and tax rate
    touched, whatever the number of invoices): every issued invoice is written here, one at
    a time or a batch of the billing run at once. The rows get their numbers and ids ("id",
    "number", "sequence"; "invoice_id" on lines and taxes).

    The invoice counter, once locked, is held until the transaction ends (so that numbers
    have no gaps) and keeps every other issuer waiting, a parallel billing run's other
    processes included: so the ids are taken first, and the lines, the taxes and whatever
    `before_numbers` inserts (rows that need the invoices' ids, not their numbers) go in
    before it is locked; only the invoices, numbered, and the totals come after. On SQLite,
    with one writer at a time, the numbers are taken first and the inserts follow."""
    if not drafts:
        return
    lines: list[dict[str, Any]] = []
    taxes: list[dict[str, Any]] = []
    for draft, invoice_id in zip(drafts, ids_take(Invoice, len(drafts)), strict=True):
        draft.invoice["id"] = invoice_id
        for line in draft.lines:
            line["invoice_id"] = invoice_id
        for tax in draft.taxes:
            tax["invoice_id"] = invoice_id
        lines.extend(draft.lines)
        taxes.extend(draft.taxes)
    if connection.features.has_select_for_update:
        bulk_insert_rows(InvoiceLine, lines)
        bulk_insert_rows(InvoiceTax, taxes)
        if before_numbers is not None:
            before_numbers()
        _numbers_give(drafts, business)
        bulk_insert_rows(Invoice, [d.invoice for d in drafts])
        invoices_totals_add((d.invoice, d.taxes) for d in drafts)
    else:
        # SQLite: the transaction holds the database's one write lock from its start, so the
        # order keeps no one waiting longer. The statements that read go first, the inserts
        # after: inside core.bulk.writes_behind they are written while the caller goes on.
        _numbers_give(drafts, business)
        invoices_totals_add((d.invoice, d.taxes) for d in drafts)
        bulk_insert_rows(Invoice, [d.invoice for d in drafts])
        bulk_insert_rows(InvoiceLine, lines)
        bulk_insert_rows(InvoiceTax, taxes)
        if before_numbers is not None:
            before_numbers()


def _numbers_give(drafts: Sequence[InvoiceRows], business: BusinessSettings) -> None:
    sequences = numbers_take(name=INVOICE, count=len(drafts), start=business.invoice_start_number)
    prefix, padding = business.invoice_prefix, business.invoice_number_padding
    for draft, sequence in zip(drafts, sequences, strict=True):
        draft.invoice["sequence"] = sequence
        draft.invoice["number"] = number_format(prefix, sequence, padding)
