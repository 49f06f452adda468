"""Payments received (the list and one payment's page) and the list of charge attempts
that failed or are still open."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.billing_forms import DATE
from fairbill.backoffice.views.common import paginate
from fairbill.customers.models import PaymentMethod
from fairbill.customers.selectors import customers_named
from fairbill.payments.models import Payment, PaymentAttempt
from fairbill.payments.refunds import refundable
from fairbill.payments.selectors import payments_of, with_refunds_and_dispute
from fairbill.reports.collections import attempts_to_look_at

RECEIVED = [m for m in PaymentMethod.choices if m[0] != PaymentMethod.AUTOMATIC]


class PaymentFilterForm(forms.Form):
    customer = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Customer name"}),
    )
    method = forms.ChoiceField(required=False, choices=[("", "All methods"), *RECEIVED])
    received_from = forms.DateField(required=False, label="Received from", widget=DATE)
    received_to = forms.DateField(required=False, label="Received to", widget=DATE)


def payments_filtered(filters: PaymentFilterForm) -> QuerySet[Payment]:
    if not filters.is_valid():
        return payments_of()
    data = filters.cleaned_data
    payments = payments_of(
        method=data["method"],
        received_from=data["received_from"],
        received_to=data["received_to"],
    )
    if data["customer"].strip():
        payments = payments.filter(customer__in=customers_named(data["customer"].strip()))
    return payments


@staff_required("invoices")
def payment_list(request: HttpRequest) -> HttpResponse:
    filters = PaymentFilterForm(request.GET or None)
    payments = payments_filtered(filters).select_related("customer")
    page = paginate(request, payments.prefetch_related("allocations__invoice"))
    return render(
        request,
        "backoffice/payments/list.html",
        {
            "nav": "payments",
            "filters": filters,
            "page": page,
            "filtered": bool(request.GET.keys() - {"page", "after", "before"}),
            "any_payment": Payment.objects.exists(),
        },
    )


@staff_required("invoices")
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(
        with_refunds_and_dispute(Payment.objects.select_related("customer")), pk=pk
    )
    return render(
        request,
        "backoffice/payments/detail.html",
        {
            "nav": "payments",
            "payment": payment,
            "allocations": payment.allocations.select_related("invoice"),
            "refunds": payment.refunds.all(),
            "disputes": payment.disputes.order_by("-opened_at", "-id"),
            "attempt": payment.attempts.select_related("invoice", "method").first(),
            "left": refundable(payment),
        },
    )


class AttemptFilterForm(forms.Form):
    SHOW = [
        ("to_look_at", "Failed charges to look at"),
        ("open", "Under way or unanswered"),
        ("failed", "Every failed charge"),
        ("all", "Every charge"),
    ]
    show = forms.ChoiceField(required=False, choices=SHOW)


def attempts_shown(show: str) -> QuerySet[PaymentAttempt]:
    if show == "open":
        attempts = PaymentAttempt.objects.filter(state__in=PaymentAttempt.OPEN)
    elif show == "failed":
        attempts = PaymentAttempt.objects.filter(state=PaymentAttempt.State.FAILED).exclude(
            failure_code__in=PaymentAttempt.CLOSED_CODES
        )
    elif show == "all":
        attempts = PaymentAttempt.objects.all()
    else:
        attempts = attempts_to_look_at()
    return attempts.select_related("customer", "invoice", "method").order_by("-on", "-id")


@staff_required("invoices")
def attempt_list(request: HttpRequest) -> HttpResponse:
    filters = AttemptFilterForm(request.GET or None)
    show = filters.cleaned_data["show"] if filters.is_valid() else ""
    page = paginate(request, attempts_shown(show or "to_look_at"))
    return render(
        request,
        "backoffice/payments/attempts.html",
        {"nav": "payments", "filters": filters, "page": page},
    )
