"""Read rules about invoices that every part of Fairbill shares (API, back office, My Account,
reports, automation): one definition each."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from fairbill.invoicing.models import Invoice


def overdue(as_of: date) -> Q:
    """Overdue: unpaid and past its due date (on the due date itself it is not late yet).
    Invoice.is_overdue is the same rule for one invoice in memory."""
    return Q(status=Invoice.Status.UNPAID, due_date__lt=as_of)


def due(as_of: date) -> Q:
    """Due: unpaid and not overdue."""
    return Q(status=Invoice.Status.UNPAID) & ~Q(due_date__lt=as_of)
