"""What My Account reads. Every function takes `customer=`: a customer only ever sees its
own records, and another customer's id finds nothing (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from fairbill.core.money import ZERO
from fairbill.customers.models import Customer, CustomerNote, Status
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import Payment
from fairbill.payments.services import credit_balance
from fairbill.subscriptions.models import Subscription

INVOICE_FILTERS = ("due", "overdue", "paid")


def invoices_of(
    *, customer: Customer, show: str = "", as_of: date | None = None
) -> QuerySet[Invoice]:
    """Issued invoices (no drafts), newest first; `show` is due, overdue or paid."""
    invoices = Invoice.objects.filter(customer=customer).exclude(status=Invoice.Status.DRAFT)
    if show == "paid":
        invoices = invoices.filter(status=Invoice.Status.PAID)
    elif show == "due":
        invoices = invoices.filter(status=Invoice.Status.UNPAID)
    elif show == "overdue" and as_of is not None:
        invoices = invoices.filter(status=Invoice.Status.UNPAID, due_date__lt=as_of)
    return invoices.order_by("-issue_date", "-id")


def invoice_of(*, customer: Customer, invoice_id: int) -> Invoice | None:
    return (
        Invoice.objects.filter(customer=customer, pk=invoice_id)
        .exclude(status=Invoice.Status.DRAFT)
        .prefetch_related("lines", "taxes")
        .first()
    )


def subscriptions_of(*, customer: Customer) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(customer=customer)
        .select_related("package")
        .prefetch_related("options__option", "options__choice")
        .order_by("status", "renewal_date", "id")
    )


def gateway_payment_of(*, customer: Customer, gateway: str, reference: str) -> Payment | None:
    if not reference:
        return None
    return Payment.objects.filter(
        customer=customer, gateway=gateway, gateway_reference=reference
    ).first()


@dataclass
class AccountSummary:
    balance_due: Decimal
    overdue: Decimal
    credit: Decimal
    subscriptions: list[Subscription]
    recent_invoices: list[Invoice]
    notes: list[CustomerNote]


def account_summary(*, customer: Customer, as_of: date) -> AccountSummary:
    unpaid = Invoice.objects.filter(customer=customer, status=Invoice.Status.UNPAID)
    due = unpaid.aggregate(s=Sum("balance"))["s"] or ZERO
    overdue = unpaid.filter(due_date__lt=as_of).aggregate(s=Sum("balance"))["s"] or ZERO
    return AccountSummary(
        balance_due=due,
        overdue=overdue,
        credit=credit_balance(customer),
        subscriptions=list(subscriptions_of(customer=customer).exclude(status=Status.CANCELLED)),
        recent_invoices=list(invoices_of(customer=customer)[:5]),
        notes=list(CustomerNote.objects.filter(customer=customer, public=True)[:10]),
    )
