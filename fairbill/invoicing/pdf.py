"""Invoice PDFs, rendered by WeasyPrint from an HTML template."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from fairbill.core.money import format_money
from fairbill.invoicing.models import CreditNote, Invoice


def invoice_html(invoice: Invoice) -> str:
    currency = invoice.currency

    def money(value: object) -> str:
        return format_money(value, currency)  # type: ignore[arg-type]

    lines = [
        {"line": line, "unit_price": money(line.unit_price), "amount": money(line.amount)}
        for line in invoice.lines.all()
    ]
    taxes = [
        {"tax": t, "net": money(t.net), "amount": money(t.tax), "rate": t.rate.normalize()}
        for t in invoice.taxes.all()
    ]
    logo = invoice.seller.get("logo")
    return render_to_string(
        "invoicing/invoice_pdf.html",
        {
            "invoice": invoice,
            "seller": invoice.seller,
            "bill_to": invoice.bill_to,
            "lines": lines,
            "taxes": taxes,
            "subtotal": money(invoice.subtotal),
            "tax": money(invoice.tax),
            "total": money(invoice.total),
            "credit_applied": money(invoice.credit_applied),
            "amount_paid": money(invoice.amount_paid),
            "balance": money(invoice.balance),
            "credited": money(invoice.credited),
            "credit_returned": money(invoice.credit_returned),
            "logo_url": (settings.MEDIA_ROOT / logo).as_uri() if logo else "",
            "iban": invoice.seller.get("iban", ""),
            "bic": invoice.seller.get("bic", ""),
            "account_name": invoice.seller.get("bank_account_name", ""),
        },
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF: Factur-X (PDF/A-3 with its CII XML) when the setting says so and
    the invoice is issued; a plain PDF for drafts or when the setting is off."""
    from weasyprint import HTML

    from fairbill.core.models import BusinessSettings

    if invoice.number and BusinessSettings.load().einvoice_pdf:
        from fairbill.invoicing.einvoice.pdf import facturx_pdf

        return facturx_pdf(invoice)

    return HTML(string=invoice_html(invoice), base_url=str(settings.MEDIA_ROOT)).write_pdf()


def credit_note_html(note: CreditNote) -> str:
    """The credit note in the invoices' look, titled "Credit note" and naming its invoice."""
    currency = note.currency

    def money(value: object) -> str:
        return format_money(value, currency)  # type: ignore[arg-type]

    lines = [
        {
            "line": line,
            "unit_price": money(line.unit_price),
            "amount": money(line.amount),
            "period_start": line.invoice_line.period_start,
            "period_end": line.invoice_line.period_end,
        }
        for line in note.lines.select_related("invoice_line")
    ]
    taxes = [
        {"tax": t, "net": money(t.net), "amount": money(t.tax), "rate": t.rate.normalize()}
        for t in note.taxes.all()
    ]
    logo = note.seller.get("logo")
    return render_to_string(
        "invoicing/credit_note_pdf.html",
        {
            "note": note,
            "invoice": note.invoice,
            "seller": note.seller,
            "bill_to": note.bill_to,
            "lines": lines,
            "taxes": taxes,
            "subtotal": money(note.subtotal),
            "total": money(note.total),
            "to_balance": money(note.to_balance),
            "to_credit": money(note.to_credit),
            "refunded": money(note.refunded),
            "logo_url": (settings.MEDIA_ROOT / logo).as_uri() if logo else "",
        },
    )


def credit_note_pdf(note: CreditNote) -> bytes:
    """The credit note's PDF: Factur-X when the setting says so, as for invoices."""
    from weasyprint import HTML

    from fairbill.core.models import BusinessSettings

    if BusinessSettings.load().einvoice_pdf:
        from fairbill.invoicing.einvoice.pdf import facturx_credit_note_pdf

        return facturx_credit_note_pdf(note)

    return HTML(string=credit_note_html(note), base_url=str(settings.MEDIA_ROOT)).write_pdf()
