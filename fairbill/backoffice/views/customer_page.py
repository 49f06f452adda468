"""The customer page, built from sections: details and status, packages, account credit,
invoices and payments, emails, notes, history. Each section's data comes from one small
function with a fixed number of queries (however many invoices or packages the customer has);
a view that shows a form with errors passes it in `forms_` by section name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import BooleanField, Case, Count, Prefetch, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.backoffice.billing_forms import CreditForm
from fairbill.backoffice.event_text import event_details
from fairbill.backoffice.forms import CustomerNoteForm, CustomerStatusForm
from fairbill.backoffice.views.automatic_payments import customer_methods
from fairbill.core import clock
from fairbill.core.aggregates import MoneySum
from fairbill.core.models import Event
from fairbill.core.money import ZERO
from fairbill.customers.models import Customer
from fairbill.invoicing import selectors as invoice_selectors
from fairbill.invoicing.estimate_selectors import expired, with_expired
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.tax import tax_for_customer
from fairbill.notifications.defaults import DEFAULTS
from fairbill.notifications.models import EmailLog
from fairbill.payments.models import Allocation, CreditEntry, Payment
from fairbill.subscriptions.models import PackageChange, SubscriptionOption

HISTORY_LIMIT = 20  # the page shows the latest of each section: it stays light for any customer
SHOWN = 10


def customer_page(
    request: HttpRequest, customer: Customer, forms_: dict[str, forms.Form] | None = None
) -> HttpResponse:
    forms_ = forms_ or {}
    context: dict[str, Any] = {
        "nav": "customers",
        "customer": customer,
        **status_and_notes(customer, forms_),
        **packages(customer),
        **account_credit(customer, forms_),
        **invoices_and_payments(customer),
        **estimates(customer),
        **credit_notes(customer),
        **emails(customer),
        **history(customer),
        **next_invoice_tax(customer),
        **customer_methods(customer),
        "can_login_as": bool(
            request.user.has_privilege("login_as")  # type: ignore[union-attr]
            and customer.user_id
            and not customer.merged_into_id
        ),
    }
    return render(request, "backoffice/customers/detail.html", context)


def status_and_notes(customer: Customer, forms_: dict[str, forms.Form]) -> dict[str, Any]:
    return {
        "status_form": forms_.get("status")
        or CustomerStatusForm(initial={"status": customer.status, "reason": ""}),
        "note_form": forms_.get("note") or CustomerNoteForm(),
        "notes": customer.notes.select_related("author"),
    }


def packages(customer: Customer) -> dict[str, Any]:
    subscriptions = list(
        customer.subscriptions.select_related("package").prefetch_related(
            Prefetch(
                "options", queryset=SubscriptionOption.objects.select_related("option", "choice")
            )
        )
    )
    changes = PackageChange.objects.filter(subscription__customer=customer).select_related(
        "from_package", "to_package", "invoice"
    )
    latest: dict[int, PackageChange] = {}
    counted: dict[int, int] = {}
    for change in changes:  # newest first
        latest.setdefault(change.subscription_id, change)
        counted[change.subscription_id] = counted.get(change.subscription_id, 0) + 1
    for sub in subscriptions:
        sub.last_change = latest.get(sub.pk)  # type: ignore[attr-defined]
        sub.change_count = counted.get(sub.pk, 0)  # type: ignore[attr-defined]
    return {"subscriptions": subscriptions}


def account_credit(customer: Customer, forms_: dict[str, forms.Form]) -> dict[str, Any]:
    entries = CreditEntry.objects.filter(customer=customer).select_related("invoice")
    # The balance as credit_balance sums it, in the same query as the other two sums.
    sums = entries.order_by().aggregate(
        balance=MoneySum("amount"),
        added=MoneySum("amount", filter=Q(amount__gt=0)),
        applied=MoneySum("amount", filter=Q(kind=CreditEntry.Kind.APPLIED)),
    )
    return {
        "credit": sums["balance"] or ZERO,
        "credit_added": sums["added"] or ZERO,
        "credit_applied": -(sums["applied"] or ZERO),
        "credit_entries": entries[:SHOWN],
        "credit_form": forms_.get("credit") or CreditForm(),
        "shown": SHOWN,
    }


def invoices_and_payments(customer: Customer) -> dict[str, Any]:
    """Invoices in groups (overdue, due, paid, void) with each group's count and amount."""
    today = clock.today()
    issued = customer.invoices.exclude(status=Invoice.Status.DRAFT)
    unpaid = Q(status=Invoice.Status.UNPAID)
    late = invoice_selectors.overdue(today)
    on_time = invoice_selectors.due(today)
    paid = Q(status=Invoice.Status.PAID)
    # Void and credited in full: nothing is due on them, listed apart.
    void = Q(status__in=[Invoice.Status.VOID, Invoice.Status.CREDITED])
    sums = issued.order_by().aggregate(
        overdue_n=Count("id", filter=late),
        overdue=MoneySum("balance", filter=late),
        due_n=Count("id", filter=on_time),
        due=MoneySum("balance", filter=on_time),
        paid_n=Count("id", filter=paid),
        paid=MoneySum("total", filter=paid),
        void_n=Count("id", filter=void),
    )
    open_invoices = list(issued.filter(unpaid).order_by("due_date", "id")[: SHOWN * 2])
    groups = [
        {
            "key": "overdue",
            "title": "Overdue",
            "invoices": [i for i in open_invoices if i.is_overdue(today)],
            "count": sums["overdue_n"],
            "amount": sums["overdue"] or ZERO,
            "label": "left to pay",
        },
        {
            "key": "due",
            "title": "Due",
            "invoices": [i for i in open_invoices if not i.is_overdue(today)],
            "count": sums["due_n"],
            "amount": sums["due"] or ZERO,
            "label": "left to pay",
        },
        {
            "key": "paid",
            "title": "Paid",
            "invoices": list(issued.filter(paid).order_by("-issue_date", "-id")[:SHOWN]),
            "count": sums["paid_n"],
            "amount": sums["paid"] or ZERO,
            "label": "invoiced",
        },
    ]
    return {
        "invoice_groups": groups,
        "void_invoices": list(issued.filter(void).order_by("-issue_date", "-id")[:SHOWN])
        if sums["void_n"]
        else [],
        "invoice_counts": {g["key"]: g["count"] for g in groups},
        "open_balance": groups[0]["amount"] + groups[1]["amount"],
        "payments": Payment.objects.filter(customer=customer).prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.select_related("invoice"))
        )[:SHOWN],
    }


def estimates(customer: Customer) -> dict[str, Any]:
    """The latest estimates, waiting ones first (two queries, however many there are)."""
    today = clock.today()
    found = customer.estimates.select_related("invoice")
    answered = Case(
        When(Q(status__in=["accepted", "declined"]) | expired(today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    latest = list(
        with_expired(found, today)
        .annotate(answered=answered)
        .order_by("answered", "-issue_date", "-id")[:SHOWN]
    )
    return {
        "estimates": latest,
        "estimate_count": found.count() if len(latest) == SHOWN else len(latest),
    }


def credit_notes(customer: Customer) -> dict[str, Any]:
    """The latest SHOWN credit notes (with their invoices) and how many there are."""
    notes = invoice_selectors.credit_notes(customer_id=customer.pk)
    shown = list(notes[:SHOWN])
    count = len(shown) if len(shown) < SHOWN else notes.count()
    return {"customer_credit_notes": shown, "credit_note_count": count}


def emails(customer: Customer) -> dict[str, Any]:
    logs = list(EmailLog.objects.filter(customer=customer)[:SHOWN])
    for log in logs:
        log.name = DEFAULTS.get(log.template, {}).get("name", log.template)  # type: ignore[attr-defined]
    return {"emails": logs}


def history(customer: Customer) -> dict[str, Any]:
    return {
        "events": [
            (event, event_details(event))
            for event in Event.objects.filter(customer_id=customer.pk)[:HISTORY_LIMIT]
        ],
        "history_limit": HISTORY_LIMIT,
    }


def next_invoice_tax(customer: Customer) -> dict[str, Any]:
    """How the next invoice would be taxed today, and why (e.g. why no reverse charge)."""
    tax = tax_for_customer(customer)
    return {"next_tax": tax, "next_tax_label": Invoice.TaxTreatment(tax.treatment).label}
