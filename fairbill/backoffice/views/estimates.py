"""Estimates: the list, new estimates from the customer page, and the estimate page with its
actions (PDF, send, accept on the customer's behalf, decline)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.backoffice.billing_forms import InvoiceLineFormSet
from fairbill.backoffice.estimate_forms import DeclineForm, EstimateFilterForm, EstimateForm
from fairbill.backoffice.views.common import paginate, show_error
from fairbill.backoffice.views.invoices import _line_error
from fairbill.core import clock
from fairbill.core.downloads import PDF, attachment
from fairbill.core.errors import FairbillError
from fairbill.core.models import Event
from fairbill.core.money import format_money
from fairbill.customers.models import Customer
from fairbill.invoicing.estimate_pdf import estimate_pdf, estimate_pdf_name, estimate_taxes
from fairbill.invoicing.estimate_selectors import estimates_filtered, with_expired
from fairbill.invoicing.estimates import (
    estimate_accept,
    estimate_create,
    estimate_decline,
    estimate_send,
)
from fairbill.invoicing.models import Estimate
from fairbill.invoicing.tax import tax_for_customer
from fairbill.notifications.models import EmailLog

NAV = "estimates"


@staff_required("invoices")
def estimate_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    filters = EstimateFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    found = with_expired(Estimate.objects.select_related("customer", "invoice"), today)
    if data.get("customer"):
        found = found.filter(customer_id=data["customer"])
    found = estimates_filtered(found, data.get("status", ""), today).order_by("-issue_date", "-id")
    page = paginate(request, found)
    context = {
        "nav": NAV,
        "filters": filters,
        "page": page,
        "filtered": bool(data.get("status") or data.get("customer")),
        "any_estimate": Estimate.objects.exists(),
    }
    return render(request, "backoffice/estimates/list.html", context)


@staff_required("invoices")
def estimate_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new estimate for the customer, with lines as on a manual invoice."""
    customer = get_object_or_404(Customer, pk=pk, merged_into__isnull=True)
    form = EstimateForm(request.POST or None)
    lines = InvoiceLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rows = [line for line in lines if not line.is_blank()]
        try:
            estimate = estimate_create(
                actor=request.actor,  # type: ignore[attr-defined]
                customer=customer,
                lines=[line.cleaned_data for line in rows],
                issue_date=clock.today(),
                valid_until=form.cleaned_data["valid_until"],
                notes=form.cleaned_data["notes"],
            )
        except FairbillError as exc:
            _line_error(form, rows, exc)  # type: ignore[arg-type]
        else:
            messages.success(request, f"Estimate {estimate} saved. Send it to the customer.")
            return redirect("backoffice:estimate_detail", pk=estimate.pk)
    context = {
        "nav": NAV,
        "customer": customer,
        "form": form,
        "lines": lines,
        "tax": tax_for_customer(customer),
    }
    return render(request, "backoffice/estimates/new.html", context)


def _estimate(pk: int) -> Estimate:
    return get_object_or_404(Estimate.objects.select_related("customer", "invoice"), pk=pk)


def _detail(
    request: HttpRequest, estimate: Estimate, decline_form: DeclineForm | None = None
) -> HttpResponse:
    today = clock.today()
    lines = list(estimate.lines.all())
    emails = list(EmailLog.objects.filter(context__estimate_id=estimate.pk)[:50])
    context: dict[str, Any] = {
        "nav": NAV,
        "estimate": estimate,
        "customer": estimate.customer,
        "expired": estimate.is_expired(today),
        "answerable": estimate.status in (Estimate.Status.DRAFT, Estimate.Status.SENT),
        "lines": lines,
        "taxes": estimate_taxes(estimate, lines),
        "emails": emails,
        "events": Event.objects.filter(Q(subject_type="estimate", subject_id=estimate.pk))[:100],
        "decline_form": decline_form or DeclineForm(),
    }
    return render(request, "backoffice/estimates/detail.html", context)


@staff_required("invoices")
def estimate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _estimate(pk))


@staff_required("invoices")
def estimate_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    estimate = _estimate(pk)
    return attachment(estimate_pdf(estimate), PDF, estimate_pdf_name(estimate))


@require_POST
@staff_required("invoices")
def estimate_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    estimate = _estimate(pk)
    try:
        estimate_send(
            actor=request.actor,  # type: ignore[attr-defined]
            estimate=estimate,
            on=clock.today(),
        )
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Estimate {estimate} is being emailed to {estimate.customer.email}."
        )
    return redirect("backoffice:estimate_detail", pk=estimate.pk)


@require_POST
@staff_required("invoices")
def estimate_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept on the customer's behalf (the form asks for confirmation first)."""
    estimate = _estimate(pk)
    try:
        invoice = estimate_accept(
            actor=request.actor,  # type: ignore[attr-defined]
            estimate=estimate,
            on=clock.today(),
        )
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect("backoffice:estimate_detail", pk=estimate.pk)
    total = format_money(invoice.total, invoice.currency)
    messages.success(
        request, f"Estimate {estimate} accepted: invoice {invoice} for {total} issued."
    )
    return redirect("backoffice:invoice_detail", pk=invoice.pk)


@require_POST
@staff_required("invoices")
def estimate_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    estimate = _estimate(pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            estimate_decline(
                actor=request.actor,  # type: ignore[attr-defined]
                estimate=estimate,
                on=clock.today(),
                reason=form.cleaned_data["reason"],
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Estimate {estimate} is declined.")
            return redirect("backoffice:estimate_detail", pk=estimate.pk)
    return _detail(request, estimate, decline_form=form)
