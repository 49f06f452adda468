"""Settings: the business's details and its billing settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.forms import BillingForm, BusinessForm
from fairbill.backoffice.views.common import show_error
from fairbill.core.errors import FairbillError
from fairbill.core.models import BusinessSettings
from fairbill.core.services import settings_update


@staff_required("settings")
def business_details(request: HttpRequest) -> HttpResponse:
    form = BusinessForm(request.POST or None, request.FILES or None, instance=_current())
    if request.method == "POST" and form.is_valid():
        if _save(request, form, form.values()):
            messages.success(request, "Business details saved.")
            return redirect("backoffice:settings")
    return _render(request, "business", form, "Business details")


@staff_required("settings")
def billing_settings(request: HttpRequest) -> HttpResponse:
    form = BillingForm(request.POST or None, instance=_current())
    if request.method == "POST" and form.is_valid():
        if _save(request, form, dict(form.cleaned_data)):
            messages.success(request, "Billing settings saved.")
            return redirect("backoffice:settings_billing")
    return _render(request, "billing", form, "Billing settings")


def _current() -> BusinessSettings:
    # A fresh copy: the form changes its instance in memory while validating.
    BusinessSettings.load()
    return BusinessSettings.objects.get(pk=1)


def _save(request: HttpRequest, form: Any, values: dict[str, Any]) -> bool:
    try:
        settings_update(actor=request.actor, **values)  # type: ignore[attr-defined]
    except FairbillError as exc:
        show_error(form, exc)
        return False
    return True


def _render(request: HttpRequest, tab: str, form: Any, title: str) -> HttpResponse:
    return render(
        request,
        "backoffice/settings/form.html",
        {"nav": "settings", "tab": tab, "form": form, "title": title},
    )
