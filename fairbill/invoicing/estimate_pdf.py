"""Estimate PDFs: the invoice's layout, titled "Estimate", with its valid-until day."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from fairbill.core.models import BusinessSettings
from fairbill.core.money import format_money
from fairbill.invoicing.calculations import LineInput, TaxAmount, invoice_totals
from fairbill.invoicing.documents import bill_to, seller
from fairbill.invoicing.models import Estimate, EstimateLine


def estimate_taxes(estimate: Estimate, lines: list[EstimateLine]) -> list[TaxAmount]:
    """Tax per rate on the summed net amounts, as the estimate's totals were computed."""
    inputs = [LineInput(li.quantity, li.unit_price, li.tax_rate, li.tax_name) for li in lines]
    return invoice_totals(inputs, estimate.currency).taxes


def estimate_html(estimate: Estimate) -> str:
    currency = estimate.currency

    def money(value: object) -> str:
        return format_money(value, currency)  # type: ignore[arg-type]

    lines = list(estimate.lines.all())
    details = seller(BusinessSettings.load())
    logo = details.get("logo")
    return render_to_string(
        "invoicing/estimate_pdf.html",
        {
            "estimate": estimate,
            "seller": details,
            "bill_to": bill_to(estimate.customer),
            "lines": [
                {"line": li, "unit_price": money(li.unit_price), "amount": money(li.amount)}
                for li in lines
            ],
            "taxes": [
                {"tax": t, "net": money(t.net), "amount": money(t.tax), "rate": t.rate.normalize()}
                for t in estimate_taxes(estimate, lines)
            ],
            "subtotal": money(estimate.subtotal),
            "tax": money(estimate.tax),
            "total": money(estimate.total),
            "logo_url": (settings.MEDIA_ROOT / logo).as_uri() if logo else "",
        },
    )


def estimate_pdf(estimate: Estimate) -> bytes:
    from weasyprint import HTML

    return HTML(string=estimate_html(estimate), base_url=str(settings.MEDIA_ROOT)).write_pdf()


def estimate_pdf_name(estimate: Estimate) -> str:
    return f"{estimate.number}.pdf"
