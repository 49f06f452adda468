"""Account credit on invoices held as rows: the billing run's batches (invoicing/documents.py
InvoiceRows). The same rules as credit_use and invoice_settle in services.py, on
{attname: value} rows instead of model instances."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fairbill.core.bulk import bulk_insert_rows
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import CreditEntry


def credit_use_row(
    *, invoice: dict[str, Any], amount: Decimal, on: date, at: datetime
) -> dict[str, Any]:
    """Account credit onto an unsaved invoice row: its credit applied and balance move, and
    an invoice whose balance reaches 0 is paid (on that date). Returns the ledger entry that
    pays for it as a row, saved by credit_rows_save once the invoice has its number and id.
    The caller checks the amount against the balance available, under the customer lock."""
    invoice["credit_applied"] += amount
    invoice["balance"] -= amount
    if invoice["balance"] == 0 and invoice["status"] == Invoice.Status.UNPAID:
        invoice["status"] = Invoice.Status.PAID
        invoice["paid_on"] = on
    return {
        "customer_id": invoice["customer_id"],
        "currency": invoice["currency"],
        "amount": -amount,
        "kind": CreditEntry.Kind.APPLIED,
        "created_on": on,
        "created_at": at,
    }


def credit_rows_save(used: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Insert in bulk the entries credit_use_row made, given with their invoice rows (saved
    since: they have their id and number)."""
    for invoice, entry in used:
        entry["invoice_id"] = invoice["id"]
        entry["reason"] = f"Applied to invoice {invoice['number']}"
    bulk_insert_rows(CreditEntry, [entry for _, entry in used])
