"""Billing forms of a customer: add a package (subscription, a page of its own), add account
credit (on the customer page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from fairbill.accounts.access import staff_required
from fairbill.backoffice.billing_forms import CreditForm, SubscriptionForm
from fairbill.backoffice.views.common import show_error
from fairbill.backoffice.views.customer_page import customer_for_page, customer_page
from fairbill.core import clock
from fairbill.core.errors import FairbillError, NeedsConfirmation
from fairbill.customers.models import Customer
from fairbill.payments.services import credit_add, credit_remove
from fairbill.subscriptions.services import subscription_create


@staff_required("customers")
def customer_subscription_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A page of its own (the form reads the whole catalog: the customer page stays light)."""
    customer = get_object_or_404(Customer, pk=pk, merged_into__isnull=True)
    if request.method != "POST":
        form = SubscriptionForm(initial={"start_date": clock.today()})
        return _subscription_add_page(request, customer, form)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        try:
            subscription = subscription_create(
                actor=request.actor,  # type: ignore[attr-defined]
                customer=customer,
                **form.values(),
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request,
                f"{subscription.package.name} added; the billing run bills it from "
                f"{subscription.start_date:%-d %b %Y}.",
            )
            return redirect("backoffice:customer_detail", pk=customer.pk)
    return _subscription_add_page(request, customer, form)


def _subscription_add_page(
    request: HttpRequest, customer: Customer, form: SubscriptionForm
) -> HttpResponse:
    context = {"nav": "customers", "customer": customer, "form": form}
    return render(request, "backoffice/customers/package_add.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required("customers")
def customer_credit(request: HttpRequest, pk: int) -> HttpResponse:
    """The Account credit tab. Posted to, it adds credit or removes it (a correction); above
    the business's "confirm credit above" amount the form comes back asking to confirm."""
    customer = customer_for_page(pk)
    if request.method != "POST":
        return customer_page(request, customer, "credit")
    form = CreditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        values = {
            "actor": request.actor,  # type: ignore[attr-defined]
            "customer": customer,
            "amount": data["amount"],
            "reason": data["reason"],
            "on": clock.today(),
            "confirmed": request.POST.get("confirm") == "1",
        }
        removing = data["action"] == CreditForm.REMOVE
        try:
            if removing:
                credit_remove(**values)
            else:
                credit_add(notify=data["notify"], **values)
        except NeedsConfirmation as exc:
            form.confirm_message = exc.message  # type: ignore[attr-defined]
            form.confirm_label = "Yes, remove it" if removing else "Yes, add it"  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "Credit removed." if removing else "Credit added.")
            return redirect("backoffice:customer_credit", pk=customer.pk)
    return customer_page(request, customer, "credit", forms_={"credit": form})
