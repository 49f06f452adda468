"""The customer page, built from sections: details and status, packages, account credit,
invoices and payments, notes, history. Each section's data comes from one small function;
a view that shows a form with errors passes it in `forms_` by section name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.backoffice.billing_forms import CreditForm, SubscriptionForm
from fairbill.backoffice.forms import CustomerNoteForm, CustomerStatusForm
from fairbill.core import clock
from fairbill.core.models import Event
from fairbill.customers.models import Customer
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import CreditEntry, Payment
from fairbill.payments.services import credit_balance

HISTORY_LIMIT = 100
SHOWN = 50


def customer_page(
    request: HttpRequest, customer: Customer, forms_: dict[str, forms.Form] | None = None
) -> HttpResponse:
    forms_ = forms_ or {}
    context: dict[str, Any] = {
        "nav": "customers",
        "customer": customer,
        **status_and_notes(customer, forms_),
        **packages(customer, forms_),
        **account_credit(customer, forms_),
        **invoices_and_payments(customer),
        **history(customer),
    }
    return render(request, "backoffice/customers/detail.html", context)


def status_and_notes(customer: Customer, forms_: dict[str, forms.Form]) -> dict[str, Any]:
    return {
        "status_form": forms_.get("status")
        or CustomerStatusForm(initial={"status": customer.status, "reason": ""}),
        "note_form": forms_.get("note") or CustomerNoteForm(),
        "notes": customer.notes.select_related("author"),
    }


def packages(customer: Customer, forms_: dict[str, forms.Form]) -> dict[str, Any]:
    subscriptions = customer.subscriptions.select_related("package").prefetch_related(
        "options__option", "options__choice"
    )
    return {
        "subscriptions": subscriptions,
        "subscription_form": forms_.get("subscription")
        or SubscriptionForm(initial={"start_date": clock.today()}),
    }


def account_credit(customer: Customer, forms_: dict[str, forms.Form]) -> dict[str, Any]:
    entries = CreditEntry.objects.filter(customer=customer).select_related("invoice")
    return {
        "credit": credit_balance(customer),
        "credit_entries": entries[:SHOWN],
        "credit_form": forms_.get("credit") or CreditForm(),
        "shown": SHOWN,
    }


def invoices_and_payments(customer: Customer) -> dict[str, Any]:
    today = clock.today()
    issued = customer.invoices.exclude(status=Invoice.Status.DRAFT)
    invoices = list(issued.order_by("-issue_date", "-id")[:SHOWN])
    for invoice in invoices:
        invoice.overdue = invoice.is_overdue(today)  # type: ignore[attr-defined]
    unpaid = issued.filter(status=Invoice.Status.UNPAID)
    return {
        "invoices": invoices,
        "invoice_counts": {
            "due": unpaid.filter(Q(due_date__gte=today) | Q(due_date=None)).count(),
            "overdue": unpaid.filter(due_date__lt=today).count(),
            "paid": issued.filter(status=Invoice.Status.PAID).count(),
        },
        "payments": Payment.objects.filter(customer=customer).prefetch_related(
            "allocations__invoice"
        )[:SHOWN],
    }


def history(customer: Customer) -> dict[str, Any]:
    return {
        "events": [
            (event, event_details(event))
            for event in Event.objects.filter(customer_id=customer.pk)[:HISTORY_LIMIT]
        ],
        "history_limit": HISTORY_LIMIT,
    }


def event_details(event: Event) -> list[str]:
    """An event's data as short lines: "email: old → new" for changes, "key: value" else."""
    lines = []
    for key, value in (event.data or {}).items():
        label = key.replace("_", " ")
        if isinstance(value, list) and len(value) == 2 and not isinstance(value[0], dict):
            before, after = (v if v not in (None, "") else "—" for v in value)
            lines.append(f"{label}: {before} → {after}")
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            items = (
                "; ".join(f"{k} {v}" for k, v in d.items() if v not in (None, "")) for d in value
            )
            lines.append(f"{label}: {' | '.join(items) or '—'}")
        else:
            lines.append(f"{label}: {value}")
    return lines
