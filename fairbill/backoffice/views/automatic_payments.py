"""Back office for automatic payments: the customer's saved methods (brand and last 4 only)
and automatic payment on/off, charging an invoice now, and refunding a payment after
reviewing what the refund does."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.backoffice.views.common import show_error
from fairbill.core import clock
from fairbill.core.errors import FairbillError
from fairbill.core.money import format_money
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.invoicing.models import Invoice
from fairbill.payments.collection import (
    CLOSE_REASON_MAX,
    attempt_close,
    attempt_close_refusal,
    invoice_charge,
)
from fairbill.payments.gateways.base import payment_gateway
from fairbill.payments.methods import customer_set_automatic, default_method, methods_of
from fairbill.payments.models import Dispute, Payment, PaymentAttempt, Refund
from fairbill.payments.refunds import (
    RefundPlan,
    payment_refund,
    refund_of_request,
    refund_preview,
    refundable,
)

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def manual_method(method: str) -> str:
    """The method offered when staff record a payment by hand: an automatic customer's
    money that arrives another way came most often by bank transfer."""
    return PaymentMethod.BANK_TRANSFER if method == PaymentMethod.AUTOMATIC else method


def customer_methods(customer: Customer) -> dict[str, Any]:
    """The customer page's "Payment methods" section."""
    return {
        "saved_methods": methods_of(customer),
        "automatic": customer.payment_method == PaymentMethod.AUTOMATIC,
    }


def invoice_attempts(invoice: Invoice) -> dict[str, Any]:
    """The invoice page's "Automatic payments" section."""
    attempts = list(PaymentAttempt.objects.filter(invoice=invoice).select_related("method"))
    unanswered = next((a for a in attempts if a.state == PaymentAttempt.State.UNKNOWN), None)
    return {
        "attempts": attempts,
        "can_charge": invoice.status == Invoice.Status.UNPAID
        and default_method(invoice.customer_id) is not None,
        "unanswered": unanswered,
        "close_refusal": attempt_close_refusal(unanswered) if unanswered else "",
        "close_reason_max": CLOSE_REASON_MAX,
    }


@require_POST
@staff_required("invoices")
def attempt_close_view(request: HttpRequest, pk: int, attempt_pk: int) -> HttpResponse:
    """Close an unanswered charge staff found, at the gateway, charged nothing."""
    attempt = get_object_or_404(PaymentAttempt, pk=attempt_pk, invoice_id=pk)
    try:
        attempt = attempt_close(
            actor=request.actor,  # type: ignore[attr-defined]
            attempt_id=attempt.pk,
            reason=request.POST.get("reason", ""),
        )
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Charge {attempt.number} closed as not charged: the invoice goes back to the "
            "retry schedule, or to reminders when it is spent.",
        )
    return redirect(reverse("backoffice:invoice_detail", args=[pk]) + "#attempts")


@require_POST
@staff_required("customers")
def customer_automatic(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    turn_on = request.POST.get("automatic") == "on"
    try:
        customer_set_automatic(
            actor=request.actor,  # type: ignore[attr-defined]
            customer=customer,
            automatic=turn_on,
        )
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "Invoices are now collected from the default saved method on their due date."
            if turn_on
            else "Automatic payment is off: the customer pays by bank transfer.",
        )
    return redirect("backoffice:customer_detail", pk=customer.pk)


@require_POST
@staff_required("invoices")
def invoice_charge_now(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        attempt = invoice_charge(
            actor=request.actor,  # type: ignore[attr-defined]
            invoice=invoice,
            gateway=payment_gateway(),
            on=clock.today(),
        )
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        shown = format_money(attempt.amount, attempt.currency)
        if attempt.state == PaymentAttempt.State.FAILED:
            messages.error(request, f"Charging {shown} failed: {attempt.failure_message}")
        else:
            messages.success(request, f"Charge of {shown}: {attempt.get_state_display()}.")
    return redirect("backoffice:invoice_detail", pk=invoice.pk)


class RefundForm(forms.Form):
    amount = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=300)
    # A one-time token: the same reviewed form submitted twice refunds once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_token(self) -> str:
        token = str(self.cleaned_data["token"])
        if not TOKEN.fullmatch(token):
            raise forms.ValidationError("This form is out of date: open the refund page again.")
        return token


@staff_required("invoices")
def payment_refund_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Refund a payment in two steps: review (what it would do), then confirm exactly that."""
    payment = get_object_or_404(Payment.objects.select_related("customer"), pk=pk)
    form = RefundForm(
        request.POST or None,
        initial={"amount": refundable(payment), "token": secrets.token_urlsafe(24)},
    )
    plan: RefundPlan | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        used = refund_of_request(payment, f"form:{data['token']}")
        if used is not None:  # sent again (Back and Confirm, two tabs, a double click)
            messages.info(
                request,
                f"That form already made the refund of {format_money(used.amount, used.currency)}"
                f" on {used.created_on:%d %b %Y}: nothing more was refunded.",
            )
            return redirect("backoffice:payment_refund", pk=payment.pk)
        try:
            plan = refund_preview(payment=payment, amount=data["amount"].strip())
            if request.POST.get("confirm") == "1" and _reviewed(request) == plan.amount:
                payment_refund(
                    actor=request.actor,  # type: ignore[attr-defined]
                    payment=payment,
                    amount=plan.amount,
                    reason=data["reason"],
                    on=clock.today(),
                    gateway=payment_gateway(),
                    request_key=f"form:{data['token']}",
                    expected=plan,
                )
                messages.success(
                    request, f"{format_money(plan.amount, payment.currency)} refunded."
                )
                return redirect("backoffice:payment_refund", pk=payment.pk)
        except FairbillError as exc:
            show_error(form, exc)
            plan = None
        except Exception:  # the gateway refused or is unreachable
            form.add_error(None, "The refund could not be made at the gateway; try again later.")
            plan = None
    return render(
        request,
        "backoffice/payments/refund.html",
        {
            "nav": "payments",
            "payment": payment,
            "form": form,
            "plan": plan,
            "left": refundable(payment),
            "refunds": Refund.objects.filter(payment=payment),
            "disputes": Dispute.objects.filter(payment=payment),
        },
    )


def _reviewed(request: HttpRequest) -> Decimal | None:
    try:
        return Decimal(request.POST.get("reviewed_amount", ""))
    except ArithmeticError:
        return None
