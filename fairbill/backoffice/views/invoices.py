"""Invoices: the list, the invoice page with its actions (payment, void, email, PDF) and
new manual invoices."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.backoffice.billing_forms import (
    InvoiceFilterForm,
    InvoiceForm,
    InvoiceLineFormSet,
    PaymentForm,
    VoidForm,
)
from fairbill.backoffice.views.automatic_payments import invoice_attempts, manual_method
from fairbill.backoffice.views.common import paginate, show_error
from fairbill.backoffice.views.credit_notes import can_credit, void_refusal
from fairbill.core import clock
from fairbill.core.aggregates import MoneySum
from fairbill.core.downloads import PDF, attachment, einvoice_download
from fairbill.core.errors import FairbillError, NeedsConfirmation
from fairbill.core.models import Event
from fairbill.core.money import format_money
from fairbill.core.validation import ascii_digits
from fairbill.customers.models import Customer
from fairbill.customers.selectors import customer_search, customers_named
from fairbill.invoicing import selectors
from fairbill.invoicing.einvoice.from_invoice import invoice_einvoice_file
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.pdf import invoice_pdf
from fairbill.invoicing.services import invoice_create
from fairbill.invoicing.tax import tax_for_customer
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_queue, email_resend
from fairbill.payments.models import Allocation, CreditEntry
from fairbill.payments.services import (
    ISSUE_CREDIT_NOTE,
    credit_balance,
    invoice_void,
    payment_record,
)

PICKER_LIMIT = 20
TOTALS_LIMIT = 10_000


# The list


def invoices_filtered(filters: InvoiceFilterForm, today: date) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("customer")
    if not filters.is_valid():
        return invoices
    data = filters.cleaned_data
    if data["status"]:
        invoices = invoices.filter(status=data["status"])
    if data["overdue"]:
        invoices = invoices.filter(selectors.overdue(today))
    if data["customer"].strip():
        invoices = invoices.filter(customer__in=customers_named(data["customer"].strip()))
    if data["issued_from"]:
        invoices = invoices.filter(issue_date__gte=data["issued_from"])
    if data["issued_to"]:
        invoices = invoices.filter(issue_date__lte=data["issued_to"])
    return invoices


def _totals(invoices: QuerySet[Invoice]) -> list[dict[str, Any]]:
    """Totals per currency (void invoices count, at zero balance, but not in the total)."""
    return list(
        invoices.order_by()
        .values("currency")
        .annotate(
            count=Count("id"),
            total=MoneySum("total", filter=~Q(status=Invoice.Status.VOID)),
            balance=MoneySum("balance"),
        )
        .order_by("currency")
    )


@staff_required("invoices")
def invoice_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    filters = InvoiceFilterForm(request.GET or None)
    invoices = invoices_filtered(filters, today)
    page = paginate(request, invoices)
    for invoice in page.object_list:
        invoice.overdue = invoice.is_overdue(today)  # type: ignore[attr-defined]
    context = {
        "nav": "invoices",
        "filters": filters,
        "page": page,
        # Totals over a long list would read every row: shown up to TOTALS_LIMIT rows.
        "totals": _totals(invoices) if page.count <= TOTALS_LIMIT else [],
        "totals_limit": TOTALS_LIMIT,
        "filtered": bool(request.GET.keys() - {"page"}),
        "any_invoice": Invoice.objects.exists(),
    }
    return render(request, "backoffice/invoices/list.html", context)


# The invoice page


def _detail(
    request: HttpRequest,
    invoice: Invoice,
    payment_form: PaymentForm | None = None,
    void_form: VoidForm | None = None,
    void_refused: str = "",
) -> HttpResponse:
    today = clock.today()
    available = credit_balance(invoice.customer)
    allocations = list(
        Allocation.objects.filter(invoice=invoice).select_related("payment", "payment__created_by")
    )
    payment_ids = [a.payment_id for a in allocations]
    credit_notes = list(selectors.credit_notes(invoice_id=invoice.pk)[:50])
    events = Event.objects.filter(
        Q(subject_type="invoice", subject_id=invoice.pk)
        | Q(subject_type="payment", subject_id__in=payment_ids)
        | Q(subject_type="creditnote", subject_id__in=[note.pk for note in credit_notes])
    )
    context: dict[str, Any] = {
        "nav": "invoices",
        "invoice": invoice,
        "overdue": invoice.is_overdue(today),
        "lines": invoice.lines.all(),
        "taxes": invoice.taxes.all(),
        "allocations": allocations,
        "credit_entries": CreditEntry.objects.filter(invoice=invoice),
        "emails": _emails(invoice),
        "events": events[:100],
        "available_credit": available,
        "payment_form": payment_form
        or PaymentForm(
            initial={
                "amount": invoice.balance,
                "method": manual_method(invoice.customer.payment_method),
                "on": today,
            }
        ),
        "void_form": void_form or VoidForm(),
        "credit_notes": credit_notes,
        "can_credit": can_credit(invoice),
        # A void the rules refuse is not offered: the page says why once and links to
        # Credit… instead (also when a void form was just submitted and refused).
        "void_refusal": void_refused or ("" if void_form is not None else void_refusal(invoice)),
        **invoice_attempts(invoice),
    }
    return render(request, "backoffice/invoices/detail.html", context)


def _emails(invoice: Invoice) -> list[EmailLog]:
    return list(EmailLog.objects.filter(context__invoice_id=invoice.pk)[:50])


def _invoice(pk: int) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)


@staff_required("invoices")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _invoice(pk))


@require_POST
@staff_required("invoices")
def invoice_payment(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment_record(
                actor=request.actor,  # type: ignore[attr-defined]
                invoice=invoice,
                amount=data["amount"].strip() or "0",
                method=data["method"],
                on=data["on"],
                reference=data["reference"],
                apply_credit=data["apply_credit"].strip() or "0",
                confirm_overpayment=request.POST.get("confirm") == "1",
            )
        except NeedsConfirmation as exc:
            form.confirm_message = exc.message.removeprefix("amount: ")  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            invoice.refresh_from_db()
            if invoice.status == Invoice.Status.PAID:
                messages.success(request, f"Invoice {invoice} is paid.")
            else:
                due = format_money(invoice.balance, invoice.currency)
                messages.success(request, f"Payment recorded; {due} is still due.")
            return redirect("backoffice:invoice_detail", pk=invoice.pk)
    return _detail(request, invoice, payment_form=form)


@require_POST
@staff_required("invoices")
def invoice_void_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            invoice_void(
                actor=request.actor,  # type: ignore[attr-defined]
                invoice=invoice,
                reason=form.cleaned_data["reason"],
                on=clock.today(),
            )
        except FairbillError as exc:
            if exc.code == ISSUE_CREDIT_NOTE:
                # Sent, paid or credited: the page says why once, with the Credit… button
                # in place of the void form.
                return _detail(request, invoice, void_refused=exc.message)
            show_error(form, exc)
        else:
            messages.success(request, f"Invoice {invoice} is void.")
            return redirect("backoffice:invoice_detail", pk=invoice.pk)
    return _detail(request, invoice, void_form=form)


@require_POST
@staff_required("invoices")
def invoice_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the invoice email again (or for the first time when none was logged)."""
    invoice = _invoice(pk)
    if invoice.status == Invoice.Status.DRAFT:
        messages.error(request, "A draft is not sent.")
        return redirect("backoffice:invoice_detail", pk=invoice.pk)
    log = EmailLog.objects.filter(template="invoice_issued", context__invoice_id=invoice.pk).first()
    if log is not None:
        email_resend(actor=request.actor, log=log)  # type: ignore[attr-defined]
    else:
        email_queue(
            template="invoice_issued",
            customer_id=invoice.customer_id,
            context={"invoice_id": invoice.pk},
        )
    messages.success(request, f"Invoice {invoice} is being emailed to the customer.")
    return redirect("backoffice:invoice_detail", pk=invoice.pk)


@staff_required("invoices")
def invoice_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(pk)
    return attachment(invoice_pdf(invoice), PDF, f"{invoice}.pdf")


@staff_required("invoices")
def invoice_einvoice_view(request: HttpRequest, pk: int, syntax: str) -> HttpResponse:
    return _einvoice_response(_invoice(pk), syntax)


def _einvoice_response(invoice: Invoice, syntax: str) -> HttpResponse:
    return einvoice_download(invoice_einvoice_file, invoice, syntax)


# New manual invoice


@staff_required("invoices")
def invoice_new(request: HttpRequest) -> HttpResponse:
    customer = _chosen_customer(request)
    if customer is None:
        return _customer_picker(request)
    form = InvoiceForm(request.POST or None)
    lines = InvoiceLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rows = [line for line in lines if not line.is_blank()]
        try:
            invoice = invoice_create(
                actor=request.actor,  # type: ignore[attr-defined]
                customer=customer,
                lines=[line.cleaned_data for line in rows],
                issue_date=clock.today(),
                due_date=form.cleaned_data["due_date"],
                notes=form.cleaned_data["notes"],
            )
        except FairbillError as exc:
            _line_error(form, rows, exc)
        else:
            messages.success(request, f"Invoice {invoice} issued.")
            return redirect("backoffice:invoice_detail", pk=invoice.pk)
    context = {
        "nav": "invoices",
        "customer": customer,
        "form": form,
        "lines": lines,
        "tax": tax_for_customer(customer),
    }
    return render(request, "backoffice/invoices/new.html", context)


_LINE = re.compile(r"^line (\d+):? (.*)$", re.IGNORECASE)


def _line_error(form: InvoiceForm, rows: list[Any], exc: FairbillError) -> None:
    """Put each "line N: ..." on the Nth filled row (empty rows were left out), else on top."""
    problems = exc.errors or [{"msg": exc.message}]
    on_lines = False
    for problem in problems:
        match = _LINE.match(str(problem["msg"]))
        if match and 0 < int(match[1]) <= len(rows):
            message = match[2]
            rows[int(match[1]) - 1].add_error(None, message[:1].upper() + message[1:])
            on_lines = True
        elif exc.field in form.fields:
            show_error(form, exc)
        else:
            form.add_error(None, exc.message[:1].upper() + exc.message[1:])
    if on_lines:
        form.add_error(None, "Please correct the lines below; nothing was saved.")


def _chosen_customer(request: HttpRequest) -> Customer | None:
    raw = request.GET.get("customer", "")
    if not ascii_digits(raw):
        return None
    return get_object_or_404(Customer, pk=int(raw), merged_into__isnull=True)


def _customer_picker(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = list(customer_search(query=query)[:PICKER_LIMIT]) if query else []
    return render(
        request,
        "backoffice/invoices/pick_customer.html",
        {"nav": "invoices", "query": query, "found": found, "limit": PICKER_LIMIT},
    )
