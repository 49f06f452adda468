"""Read rules about invoices that every part of Fairbill shares (API, back office, My Account,
reports, automation): one definition each."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from fairbill.invoicing.models import CreditNote, Invoice


def overdue(as_of: date) -> Q:
    """Overdue: unpaid and past its due date (on the due date itself it is not late yet).
    Invoice.is_overdue is the same rule for one invoice in memory."""
    return Q(status=Invoice.Status.UNPAID, due_date__lt=as_of)


def due(as_of: date) -> Q:
    """Due: unpaid and not overdue."""
    return Q(status=Invoice.Status.UNPAID) & ~Q(due_date__lt=as_of)


def credit_notes(
    *, customer_id: int | None = None, invoice_id: int | None = None
) -> QuerySet[CreditNote]:
    """Credit notes, newest first, optionally of one customer or one invoice (portal reads
    pass customer_id always)."""
    notes = CreditNote.objects.select_related("invoice", "customer")
    if customer_id is not None:
        notes = notes.filter(customer_id=customer_id)
    if invoice_id is not None:
        notes = notes.filter(invoice_id=invoice_id)
    return notes.order_by("-issue_date", "-id")


def credit_note_with_details(pk: int, *, customer_id: int | None = None) -> CreditNote | None:
    """One credit note with its lines and taxes loaded (None if not found, or not the
    customer's when customer_id is given)."""
    return (
        credit_notes(customer_id=customer_id)
        .prefetch_related("lines", "taxes")
        .filter(pk=pk)
        .first()
    )
