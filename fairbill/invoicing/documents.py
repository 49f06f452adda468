"""Building invoices in memory and saving them in bulk: shared by every path that issues an
invoice (manual, renewal, signup, change, time), so the rules live in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django_countries import countries

from fairbill.core.bulk import bulk_insert
from fairbill.core.models import BusinessSettings
from fairbill.core.money import ZERO, quantize
from fairbill.core.numbering import INVOICE, number_format, numbers_take
from fairbill.customers.models import Customer
from fairbill.invoicing.calculations import LineInput, invoice_totals
from fairbill.invoicing.models import Invoice, InvoiceLine, InvoiceTax
from fairbill.invoicing.tax import AppliedTax


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


def bill_to(customer: Customer) -> dict[str, str]:
    code = str(customer.country.code or "")
    return {
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "address_line1": customer.address_line1,
        "address_line2": customer.address_line2,
        "city": customer.city,
        "region": customer.region,
        "postcode": customer.postcode,
        "country": code,
        "country_name": _country_name(code) if code else "",
        "vat_number": customer.vat_number,
        "company_number": customer.company_number,
        "company_number_scheme": customer.company_number_scheme,
        "electronic_address": customer.electronic_address,
        "electronic_address_scheme": customer.electronic_address_scheme,
        "buyer_reference": customer.buyer_reference,
        "payment_method": customer.payment_method,
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
    currency = customer.currency
    inputs = [
        LineInput(
            quantity=spec.quantity,
            unit_price=spec.unit_price,
            tax_rate=tax.rate if spec.taxable else ZERO,
            tax_name=tax.name if spec.taxable else "",
        )
        for spec in specs
    ]
    totals = invoice_totals(inputs, currency)
    invoice = Invoice(
        customer=customer,
        kind=kind,
        status=Invoice.Status.UNPAID if totals.total > 0 else Invoice.Status.PAID,
        currency=currency,
        issue_date=issue_date,
        due_date=due_date,
        subtotal=totals.subtotal,
        tax=totals.tax,
        total=totals.total,
        balance=totals.total,
        bill_to=bill_to(customer),
        seller=seller_details,
        notes=notes,
        tax_treatment=tax.treatment,
        tax_note=tax.note,
        tax_exemption_code=tax.exemption_code,
        created_at=now,
        paid_on=issue_date if totals.total <= 0 else None,
    )
    lines = [
        InvoiceLine(
            position=position,
            kind=spec.kind,
            description=spec.description[:500],
            quantity=spec.quantity,
            unit_price=spec.unit_price,
            amount=amount,
            tax_name=line.tax_name,
            tax_rate=line.tax_rate,
            subscription_id=spec.subscription_id,
            period_start=spec.period_start,
            period_end=spec.period_end,
        )
        for position, (spec, line, amount) in enumerate(
            zip(specs, inputs, totals.line_amounts, strict=True), start=1
        )
    ]
    taxes = [InvoiceTax(name=t.name, rate=t.rate, net=t.net, tax=t.tax) for t in totals.taxes]
    assert invoice.total == quantize(invoice.total, currency)
    return InvoiceDraft(invoice, lines, taxes)


def drafts_save(drafts: Sequence[InvoiceDraft], business: BusinessSettings) -> None:
    """Number and insert invoices with their lines and taxes (inside the caller's
    transaction). The counter is locked last so the lock is held briefly."""
    if not drafts:
        return
    sequences = numbers_take(name=INVOICE, count=len(drafts), start=business.invoice_start_number)
    for draft, sequence in zip(drafts, sequences, strict=True):
        draft.invoice.sequence = sequence
        draft.invoice.number = number_format(
            business.invoice_prefix, sequence, business.invoice_number_padding
        )
    # Insert without asking for ids back, then read them by their (unique) sequence numbers.
    bulk_insert([d.invoice for d in drafts])
    ids = dict(
        Invoice.objects.filter(sequence__gte=sequences[0], sequence__lte=sequences[-1]).values_list(
            "sequence", "pk"
        )
    )
    lines: list[InvoiceLine] = []
    taxes: list[InvoiceTax] = []
    for draft in drafts:
        invoice = draft.invoice
        invoice.pk = ids[invoice.sequence]
        invoice._state.adding = False
        invoice._state.db = "default"
        for line in draft.lines:
            line.invoice = invoice
        for tax in draft.taxes:
            tax.invoice = invoice
        lines.extend(draft.lines)
        taxes.extend(draft.taxes)
    bulk_insert(lines)
    bulk_insert(taxes)
