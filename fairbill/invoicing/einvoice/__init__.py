"""EN 16931 e-invoices: one plain Document (document.py), written as UN/CEFACT CII (cii.py,
the XML inside Factur-X PDFs) or UBL 2.1 (ubl.py, Peppol BIS Billing 3.0 shape)."""

from __future__ import annotations

from fairbill.invoicing.einvoice.cii import cii_xml
from fairbill.invoicing.einvoice.document import Document
from fairbill.invoicing.einvoice.ubl import ubl_xml

SYNTAXES = {"cii": cii_xml, "ubl": ubl_xml}


def einvoice_xml(document: Document, syntax: str) -> bytes:
    """The document in the syntax asked for: 'cii' or 'ubl'."""
    return SYNTAXES[syntax](document)
