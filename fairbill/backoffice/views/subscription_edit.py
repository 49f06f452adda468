"""Editing a customer's package: what the next renewal bills (price, setup fee, dates, cycle,
payment method, status, options). An edit never invoices; upgrades are the wizard's job."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.package_forms import SubscriptionEditForm
from fairbill.backoffice.views.common import show_error
from fairbill.core.errors import FairbillError
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_update


@staff_required("customers")
def subscription_edit(request: HttpRequest, pk: int, sub_pk: int) -> HttpResponse:
    subscription = get_object_or_404(
        Subscription.objects.select_related("customer", "package").prefetch_related(
            "options__option", "options__choice"
        ),
        pk=sub_pk,
        customer_id=pk,
    )
    form = SubscriptionEditForm(request.POST or None, subscription=subscription)
    if request.method == "POST" and form.is_valid():
        edits = form.edits()
        if not edits:
            messages.info(request, "Nothing changed.")
            return redirect("backoffice:customer_detail", pk=pk)
        try:
            subscription_update(actor=request.actor, subscription=subscription, **edits)  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"{subscription.package.name} saved.")
            return redirect("backoffice:customer_detail", pk=pk)
    return render(
        request,
        "backoffice/customers/package_edit.html",
        {
            "nav": "customers",
            "customer": subscription.customer,
            "subscription": subscription,
            "form": form,
            "changes": subscription.changes.select_related("from_package", "to_package")[:10],
        },
    )
