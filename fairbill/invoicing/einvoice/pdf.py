"""Factur-X: the invoice PDF as PDF/A-3 with its EN 16931 CII XML embedded (factur-x.xml).

WeasyPrint writes the PDF/A-3b; the `factur-x` package checks the XML against the official
XSD, embeds it with its relationship ("Data") and writes the XMP metadata with the Factur-X
extension schema. A failure raises: a Factur-X PDF is never silently sent without its XML.
"""

from __future__ import annotations

from django.conf import settings

from fairbill.invoicing.einvoice.cii import cii_xml
from fairbill.invoicing.einvoice.from_invoice import credit_note_document, invoice_document
from fairbill.invoicing.models import CreditNote, Invoice


def facturx_pdf(invoice: Invoice) -> bytes:
    from facturx import generate_from_binary
    from weasyprint import HTML

    from fairbill.invoicing.pdf import invoice_html

    xml = cii_xml(invoice_document(invoice))
    pdf = HTML(string=invoice_html(invoice), base_url=str(settings.MEDIA_ROOT)).write_pdf(
        pdf_variant="pdf/a-3b"
    )
    seller = str(invoice.seller.get("name") or "")
    return bytes(
        generate_from_binary(
            pdf,
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            pdf_metadata={
                "author": seller,
                "keywords": "Factur-X, Invoice",
                "title": f"{seller}: Invoice {invoice.number}",
                "subject": f"Factur-X invoice {invoice.number} dated {invoice.issue_date} "
                f"issued by {seller}",
            },
            lang="en-GB",
        )
    )


def facturx_credit_note_pdf(note: CreditNote) -> bytes:
    """A credit note's PDF as Factur-X, with its CII XML (type 381)."""
    from facturx import generate_from_binary
    from weasyprint import HTML

    from fairbill.invoicing.pdf import credit_note_html

    xml = cii_xml(credit_note_document(note))
    pdf = HTML(string=credit_note_html(note), base_url=str(settings.MEDIA_ROOT)).write_pdf(
        pdf_variant="pdf/a-3b"
    )
    seller = str(note.seller.get("name") or "")
    return bytes(
        generate_from_binary(
            pdf,
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            pdf_metadata={
                "author": seller,
                "keywords": "Factur-X, Credit note",
                "title": f"{seller}: Credit note {note.number}",
                "subject": f"Factur-X credit note {note.number} dated {note.issue_date} "
                f"issued by {seller} for invoice {note.invoice.number}",
            },
            lang="en-GB",
        )
    )
