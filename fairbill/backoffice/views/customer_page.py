"""The customer page, in tabs: each tab its own address and request, built from a few
sections (details and status, packages, invoices and payments, account credit, estimates,
emails, notes, history). Each section's data comes from one small function with a fixed
number of queries, however many invoices or packages the customer has; a view that shows a
form with errors passes it in `forms_` by section name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import BooleanField, Case, Count, Prefetch, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from fairbill.backoffice.billing_forms import CreditForm
from fairbill.backoffice.event_text import event_details
from fairbill.backoffice.forms import CustomerNoteForm, CustomerStatusForm
from fairbill.backoffice.views.automatic_payments import customer_methods
from fairbill.core import clock
from fairbill.core.aggregates import MoneySum
from fairbill.core.keyset import list_page
from fairbill.core.models import Event
from fairbill.core.money import ZERO
from fairbill.customers.models import Customer
from fairbill.invoicing import selectors as invoice_selectors
from fairbill.invoicing.estimate_selectors import with_expired
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.tax import tax_for_customer
from fairbill.notifications.models import EmailLog
from fairbill.payments.models import Allocation, CreditEntry, Payment
from fairbill.payments.services import credit_balance
from fairbill.subscriptions.models import PackageChange, SubscriptionOption

SHOWN = 10  # the invoices and credit tabs show the latest of each list, with links to all
PER_PAGE = 25  # emails, notes and history: pages of this many, newest first


@dataclass(frozen=True)
class Tab:
    key: str
    title: str
    url_name: str
    privilege: str = ""  # a staff privilege the tab needs, besides the customers'


TABS = (
    Tab("overview", "Overview", "backoffice:customer_detail"),
    Tab("invoices", "Invoices & payments", "backoffice:customer_invoices", privilege="invoices"),
    Tab("credit", "Account credit", "backoffice:customer_credit"),
    Tab("estimates", "Estimates", "backoffice:customer_estimates", privilege="invoices"),
    Tab("emails", "Emails", "backoffice:customer_emails"),
    Tab("notes", "Notes", "backoffice:customer_notes"),
    Tab("history", "History", "backoffice:customer_history"),
)


def customer_for_page(pk: int) -> Customer:
    """The customer a tab shows, with what its header reads (the merge target, the login)."""
    return get_object_or_404(Customer.objects.select_related("merged_into", "user"), pk=pk)


def customer_page(
    request: HttpRequest,
    customer: Customer,
    tab: str = "overview",
    forms_: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    """One tab of the customer page: the header and tab bar, and that tab's sections only
    (each tab its own request, so the page stays fast however much the customer has)."""
    forms_ = forms_ or {}
    user = request.user
    shown = [
        t
        for t in TABS
        if not t.privilege or user.has_privilege(t.privilege)  # type: ignore[union-attr]
    ]
    if tab not in {t.key for t in shown}:
        raise Http404
    context: dict[str, Any] = {
        "nav": "customers",
        "customer": customer,
        "tab": tab,
        "tabs": [(t, reverse(t.url_name, args=[customer.pk])) for t in shown],
        "can_login_as": bool(
            user.has_privilege("login_as")  # type: ignore[union-attr]
            and customer.user_id
            and not customer.merged_into_id
        ),
    }
    asked = Asked(forms=forms_, params=request.GET)
    for section in SECTIONS[tab]:
        context.update(section(customer, asked))
    if "has_subscriptions" not in context:  # the overview's packages section says it
        context["has_subscriptions"] = customer.subscriptions.exists()
    return render(request, f"backoffice/customers/tab_{tab}.html", context)


Forms = dict[str, forms.Form]


@dataclass(frozen=True)
class Asked:
    """What a tab's sections are given besides the customer: forms coming back with errors
    (by section name) and the request's query (the page of a paged list)."""

    forms: Forms
    params: Mapping[str, str]


def status(customer: Customer, asked: Asked) -> dict[str, Any]:
    return {
        "status_form": asked.forms.get("status")
        or CustomerStatusForm(initial={"status": customer.status, "reason": ""}),
    }


def notes(customer: Customer, asked: Asked) -> dict[str, Any]:
    return {
        "note_form": asked.forms.get("note") or CustomerNoteForm(),
        "page": list_page(customer.notes.select_related("author"), asked.params, size=PER_PAGE),
    }


def packages(customer: Customer, asked: Asked) -> dict[str, Any]:
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
    return {"subscriptions": subscriptions, "has_subscriptions": bool(subscriptions)}


def balances(customer: Customer, asked: Asked) -> dict[str, Any]:
    """The overview's figures: account credit, and what is left to pay (overdue and due),
    read from the unpaid invoices alone (an index on customer and status finds them)."""
    late = invoice_selectors.overdue(clock.today())
    sums = (
        customer.invoices.filter(status=Invoice.Status.UNPAID)
        .order_by()
        .aggregate(
            overdue_n=Count("id", filter=late),
            left=MoneySum("balance"),
        )
    )
    return {
        "credit": credit_balance(customer),
        "open_balance": sums["left"] or ZERO,
        "overdue_count": sums["overdue_n"],
    }


def account_credit(customer: Customer, asked: Asked) -> dict[str, Any]:
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
        "credit_form": asked.forms.get("credit") or CreditForm(),
        "shown": SHOWN,
    }


def invoices_and_payments(customer: Customer, asked: Asked) -> dict[str, Any]:
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
        "payments": Payment.objects.filter(customer=customer).prefetch_related(
            Prefetch("allocations", queryset=Allocation.objects.select_related("invoice"))
        )[:SHOWN],
    }


def estimates(customer: Customer, asked: Asked) -> dict[str, Any]:
    """The latest estimates, waiting ones first (two queries, however many there are)."""
    today = clock.today()
    found = customer.estimates.select_related("invoice")
    answered = Case(  # the `expired` that with_expired annotates
        When(Q(status__in=["accepted", "declined"]) | Q(expired=True), then=Value(True)),
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


def credit_notes(customer: Customer, asked: Asked) -> dict[str, Any]:
    """The latest SHOWN credit notes (with their invoices) and how many there are."""
    found = invoice_selectors.credit_notes(customer_id=customer.pk)
    shown = list(found[:SHOWN])
    count = len(shown) if len(shown) < SHOWN else found.count()
    return {"customer_credit_notes": shown, "credit_note_count": count}


def emails(customer: Customer, asked: Asked) -> dict[str, Any]:
    page = list_page(EmailLog.objects.filter(customer=customer), asked.params, size=PER_PAGE)
    return {"page": page}


def history(customer: Customer, asked: Asked) -> dict[str, Any]:
    page = list_page(Event.objects.filter(customer_id=customer.pk), asked.params, size=PER_PAGE)
    return {"page": page, "events": [(event, event_details(event)) for event in page.object_list]}


def next_invoice_tax(customer: Customer, asked: Asked) -> dict[str, Any]:
    """How the next invoice would be taxed today, and why (e.g. why no reverse charge)."""
    tax = tax_for_customer(customer)
    return {"next_tax": tax, "next_tax_label": Invoice.TaxTreatment(tax.treatment).label}


def payment_methods(customer: Customer, asked: Asked) -> dict[str, Any]:
    return customer_methods(customer)


Section = Callable[[Customer, Asked], dict[str, Any]]
SECTIONS: dict[str, tuple[Section, ...]] = {
    "overview": (status, balances, next_invoice_tax, packages, payment_methods),
    "invoices": (invoices_and_payments, credit_notes),
    "credit": (account_credit,),
    "estimates": (estimates,),
    "emails": (emails,),
    "notes": (notes,),
    "history": (history,),
}
