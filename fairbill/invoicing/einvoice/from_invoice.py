"""An issued invoice as an e-invoice Document: its own stored lines, taxes and totals, the
seller and buyer as on the day of issue, and its tax treatment's VAT category."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import BusinessSettings
from fairbill.core.money import ZERO
from fairbill.invoicing import tax_treatment as tt
from fairbill.invoicing.einvoice import document as doc
from fairbill.invoicing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine

CATEGORY_OF_TREATMENT = {
    tt.REVERSE_CHARGE: doc.REVERSE_CHARGE,
    tt.EXEMPT: doc.EXEMPT,
    tt.OUTSIDE_SCOPE: doc.NOT_SUBJECT,
}
DEFAULT_REASONS = {
    doc.REVERSE_CHARGE: ("Reverse charge", tt.REVERSE_CHARGE_CODE),
    doc.EXEMPT: ("Exempt from VAT", ""),
    doc.NOT_SUBJECT: ("Not subject to VAT", tt.OUTSIDE_SCOPE_CODE),
}


def line_category(treatment: str, rate: Decimal) -> str:
    """The VAT category of a line: the treatment's, or S / Z by the rate charged."""
    if treatment in CATEGORY_OF_TREATMENT:
        return CATEGORY_OF_TREATMENT[treatment]
    return doc.STANDARD_RATE if rate > 0 else doc.ZERO_RATED


def invoice_document(invoice: Invoice) -> doc.Document:
    """The Document of an issued invoice (not a draft: it has no number)."""
    if invoice.status == Invoice.Status.DRAFT or not invoice.number or not invoice.issue_date:
        raise ValueError("A draft has no e-invoice: issue it first.")
    lines = [_line(invoice.tax_treatment, line) for line in invoice.lines.all()]
    # Everything that took the balance down (payments, account credit, credit notes, less
    # credit returned): BT-113, so that the amount due (BT-115) is the invoice's balance.
    prepaid = invoice.total - invoice.balance
    by_card = invoice.bill_to.get("payment_method") == "card"
    return doc.Document(
        type_code=doc.INVOICE,
        number=invoice.number,
        issue_date=invoice.issue_date,
        currency=invoice.currency,
        seller=_seller(invoice.seller, with_vat_id=invoice.tax_treatment != tt.OUTSIDE_SCOPE),
        buyer=_buyer(invoice.bill_to, with_vat_id=invoice.tax_treatment != tt.OUTSIDE_SCOPE),
        lines=lines,
        breakdown=_breakdown(invoice, lines),
        line_total=invoice.subtotal,
        tax_total=invoice.tax,
        grand_total=invoice.total,
        prepaid=prepaid,
        due=invoice.balance,
        due_date=invoice.due_date,
        buyer_reference=buyer_reference(invoice.bill_to, invoice.number),
        payment_terms=f"Payment due by {invoice.due_date:%d %B %Y}" if invoice.due_date else "",
        payment_reference=invoice.number,
        # One means per document (BR: all payment means codes equal, UBL-SR-47/CII-SR-467):
        # a customer paying by card is charged (Stripe); the others pay by bank transfer.
        bank_account=None if by_card else _bank_account(invoice.seller, invoice.currency),
        by_card=by_card,
        notes=[note for note in (invoice.tax_note, invoice.notes) if note],
    )


def _line(
    treatment: str, line: InvoiceLine | CreditNoteLine, period: InvoiceLine | None = None
) -> doc.Line:
    quantity, price = line.quantity, line.unit_price
    if price < 0:  # a deduction: negative quantity, positive net price (BR-27)
        quantity, price = -quantity, -price
    period = period or line  # type: ignore[assignment]
    assert period is not None
    end = None
    if period.period_start and period.period_end:
        # Periods are [start, end); an invoice line period names its last day.
        end = max(period.period_start, period.period_end - timedelta(days=1))
    return doc.Line(
        id=str(line.position or line.pk),
        name=line.description,
        quantity=quantity,
        net_price=price,
        amount=line.amount,
        category=line_category(treatment, line.tax_rate),
        rate=line.tax_rate,
        period_start=period.period_start if end else None,
        period_end=end,
    )


def _breakdown(invoice: Invoice | CreditNote, lines: list[doc.Line]) -> list[doc.VatBreakdown]:
    """One group per category and rate: taxed rates from the invoice's own tax rows (tax
    rounded once per rate at issue); untaxed lines summed per category."""
    taxed: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for row in invoice.taxes.all():
        taxed[row.rate][0] += row.net
        taxed[row.rate][1] += row.tax
    untaxed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.rate == 0 or line.category in doc.EXEMPTION_CATEGORIES:
            untaxed[line.category] += line.amount
    groups = [
        doc.VatBreakdown(doc.STANDARD_RATE, rate, net, tax)
        for rate, (net, tax) in sorted(taxed.items())
    ]
    for category, net in untaxed.items():
        reason, code = DEFAULT_REASONS.get(category, ("", ""))
        if category in (doc.EXEMPT, doc.REVERSE_CHARGE, doc.NOT_SUBJECT):
            reason = _reason_text(invoice.tax_note) or reason
            code = invoice.tax_exemption_code or code
        groups.append(doc.VatBreakdown(category, ZERO, net, ZERO, reason, code))
    return groups


def _reason_text(note: str) -> str:
    return note.removeprefix("VAT exempt: ").strip()


def _seller(seller: dict[str, Any], *, with_vat_id: bool) -> doc.Party:
    country = str(seller.get("country") or "")
    if not country:  # invoices issued before the seller's country was kept on them
        business = BusinessSettings.load()
        country = str(business.country.code or "") if business.country else ""
    return doc.Party(
        name=str(seller.get("name") or ""),
        country=country,
        address_line1=str(seller.get("address_line1") or ""),
        address_line2=str(seller.get("address_line2") or ""),
        city=str(seller.get("city") or ""),
        postcode=str(seller.get("postcode") or ""),
        region=str(seller.get("region") or ""),
        vat_id=_with_prefix(str(seller.get("vat_number") or ""), country) if with_vat_id else "",
        legal_id=str(seller.get("company_number") or ""),
        legal_id_scheme=str(seller.get("company_number_scheme") or ""),
        email=str(seller.get("email") or ""),
        **_endpoint(seller),
    )


def _buyer(bill_to: dict[str, Any], *, with_vat_id: bool) -> doc.Party:
    country = str(bill_to.get("country") or "")
    return doc.Party(
        name=str(bill_to.get("company") or bill_to.get("name") or ""),
        country=country,
        address_line1=str(bill_to.get("address_line1") or ""),
        address_line2=str(bill_to.get("address_line2") or ""),
        city=str(bill_to.get("city") or ""),
        postcode=str(bill_to.get("postcode") or ""),
        region=str(bill_to.get("region") or ""),
        vat_id=_with_prefix(str(bill_to.get("vat_number") or ""), country) if with_vat_id else "",
        legal_id=str(bill_to.get("company_number") or ""),
        legal_id_scheme=str(bill_to.get("company_number_scheme") or ""),
        email=str(bill_to.get("email") or ""),
        **_endpoint(bill_to),
    )


def _endpoint(party: dict[str, Any]) -> dict[str, str]:
    """The party's electronic address with its EAS scheme; without one, its email address
    (scheme EM), so that a Peppol document always has the endpoint it requires."""
    address = str(party.get("electronic_address") or "")
    scheme = str(party.get("electronic_address_scheme") or "")
    if address and scheme:
        return {"endpoint_id": address, "endpoint_scheme": scheme}
    email = str(party.get("email") or "")
    return {"endpoint_id": email, "endpoint_scheme": "EM" if email else ""}


def buyer_reference(bill_to: dict[str, Any], fallback: str) -> str:
    """BT-10: the customer's own reference, else `fallback` (the invoice's number): Peppol
    refuses a document with neither a buyer reference nor an order reference (R003)."""
    return str(bill_to.get("buyer_reference") or "").strip() or fallback


def _with_prefix(vat_number: str, country: str) -> str:
    """EN 16931 wants VAT identifiers with their country prefix (BR-CO-09); Greece: EL."""
    if not vat_number or vat_number[:2].isalpha():
        return vat_number
    prefix = "EL" if country == "GR" else country
    return f"{prefix}{vat_number}"


def _bank_account(seller: dict[str, Any], currency: str) -> doc.BankAccount | None:
    iban = str(seller.get("iban") or "")
    if not iban:
        return None
    return doc.BankAccount(
        iban=iban,
        bic=str(seller.get("bic") or ""),
        name=str(seller.get("bank_account_name") or ""),
        means_code=doc.SEPA_CREDIT_TRANSFER if currency == "EUR" else doc.CREDIT_TRANSFER,
    )


def credit_note_document(note: CreditNote) -> doc.Document:
    """The Document of a credit note: type 381, naming the invoice it credits (BG-3), with
    its own lines, tax per rate and totals (positive amounts)."""
    invoice = note.invoice
    lines = [
        _line(note.tax_treatment, line, line.invoice_line)
        for line in note.lines.select_related("invoice_line")
    ]
    with_vat_id = note.tax_treatment != tt.OUTSIDE_SCOPE
    return doc.Document(
        type_code=doc.CREDIT_NOTE,
        number=note.number,
        issue_date=note.issue_date,
        currency=note.currency,
        seller=_seller(note.seller, with_vat_id=with_vat_id),
        buyer=_buyer(note.bill_to, with_vat_id=with_vat_id),
        lines=lines,
        breakdown=_breakdown(note, lines),
        line_total=note.subtotal,
        tax_total=note.tax,
        grand_total=note.total,
        prepaid=ZERO,
        due=note.total,
        due_date=note.issue_date,
        buyer_reference=buyer_reference(note.bill_to, str(invoice.number)),
        payment_terms=f"Credited against invoice {invoice.number}",
        payment_reference=note.number,
        notes=[text for text in (f"Reason: {note.reason}", note.tax_note) if text],
        preceding=[doc.PrecedingDocument(str(invoice.number), invoice.issue_date)],
    )


def credit_note_einvoice_file(note: CreditNote, syntax: str) -> tuple[str, bytes]:
    """(file name, XML) of a credit note's e-invoice in 'cii' or 'ubl'."""
    from fairbill.invoicing.einvoice import SYNTAXES

    if syntax not in SYNTAXES:
        raise InvalidInput("syntax: use cii or ubl.", "syntax")
    xml = SYNTAXES[syntax](credit_note_document(note))
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", note.number)
    return f"{name}.{syntax}.xml", xml


def invoice_einvoice_file(invoice: Invoice, syntax: str) -> tuple[str, bytes]:
    """(file name, XML) of an issued invoice's e-invoice in 'cii' or 'ubl'. A draft is
    refused: it has no number and is no invoice yet."""
    from fairbill.invoicing.einvoice import SYNTAXES

    if syntax not in SYNTAXES:
        raise InvalidInput("syntax: use cii or ubl.", "syntax")
    if invoice.status == Invoice.Status.DRAFT or not invoice.number:
        raise Refused("A draft has no e-invoice: issue it first.", code="draft")
    xml = SYNTAXES[syntax](invoice_document(invoice))
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", invoice.number)
    return f"{name}.{syntax}.xml", xml
