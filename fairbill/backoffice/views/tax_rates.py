"""Settings → tax rates: list, create, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.forms import TaxRateForm
from fairbill.backoffice.views.common import show_error
from fairbill.catalog.models import TaxRate
from fairbill.catalog.services import tax_rate_create, tax_rate_delete, tax_rate_update
from fairbill.core.errors import FairbillError


@staff_required("settings")
def tax_rate_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "backoffice/tax_rates/list.html",
        {"nav": "settings", "tab": "tax_rates", "tax_rates": TaxRate.objects.all()},
    )


@staff_required("settings")
def tax_rate_new(request: HttpRequest) -> HttpResponse:
    form = TaxRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tax_rate = tax_rate_create(actor=request.actor, **form.cleaned_data)  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Tax rate {tax_rate} created.")
            return redirect("backoffice:tax_rate_list")
    return _form(request, form, None)


@staff_required("settings")
def tax_rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tax_rate = get_object_or_404(TaxRate, pk=pk)
    form = TaxRateForm(request.POST or None, instance=TaxRate.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            tax_rate = tax_rate_update(
                actor=request.actor,  # type: ignore[attr-defined]
                tax_rate=tax_rate,
                **form.cleaned_data,
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Tax rate {tax_rate} saved.")
            return redirect("backoffice:tax_rate_list")
    return _form(request, form, tax_rate)


@staff_required("settings")
def tax_rate_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    tax_rate = get_object_or_404(TaxRate, pk=pk)
    if request.method == "POST":
        tax_rate_delete(actor=request.actor, tax_rate=tax_rate)  # type: ignore[attr-defined]
        messages.success(request, f"Tax rate {tax_rate} deleted.")
        return redirect("backoffice:tax_rate_list")
    return render(
        request,
        "backoffice/tax_rates/delete.html",
        {"nav": "settings", "tab": "tax_rates", "tax_rate": tax_rate},
    )


def _form(request: HttpRequest, form: TaxRateForm, tax_rate: TaxRate | None) -> HttpResponse:
    return render(
        request,
        "backoffice/tax_rates/form.html",
        {"nav": "settings", "tab": "tax_rates", "form": form, "tax_rate": tax_rate},
    )
