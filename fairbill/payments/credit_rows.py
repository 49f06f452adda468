"""Account credit on invoices held as rows: the billing run's batches (invoicing/documents.py
InvoiceRows), through the same rules as every other use of credit (services.py
credit_use_values and settle_values), on {attname: value} rows instead of model instances."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fairbill.core.bulk import bulk_insert_rows
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_use_values, settle_values


def credit_use_row(
    *, invoice: dict[str, Any], amount: Decimal, on: date, at: datetime
) -> dict[str, Any]:
    """Account credit onto an unsaved invoice row, by the rules of services.credit_use_values
    and settle_values (an invoice whose balance reaches 0 is paid on that date). Returns the
    ledger entry that pays for it as a row, saved by credit_rows_save once the invoice has
    its number and id. The caller checks the amount against the balance available, under
    the customer lock."""
    entry = credit_use_values(invoice, amount=amount, on=on, at=at)
    settle_values(invoice, on)
    return entry


def credit_rows_save(used: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Insert in bulk the entries credit_use_row made, given with their invoice rows (saved
    since: they have their id and number)."""
    for invoice, entry in used:
        entry["invoice_id"] = invoice["id"]
        entry["reason"] = f"Applied to invoice {invoice['number']}"
    bulk_insert_rows(CreditEntry, [entry for _, entry in used])
