"""Packages: list with prices per cycle, create and edit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.forms import PackageForm
from fairbill.backoffice.views.common import CYCLE_ORDER, show_error
from fairbill.catalog.models import Package, PackagePrice
from fairbill.catalog.services import package_create, package_update
from fairbill.core.errors import FairbillError
from fairbill.core.models import BusinessSettings


def _by_cycle(price: PackagePrice) -> tuple[str, int]:
    return (price.currency, CYCLE_ORDER[price.cycle])


@staff_required("packages")
def package_list(request: HttpRequest) -> HttpResponse:
    packages = list(Package.objects.prefetch_related("prices"))
    rows = [(package, sorted(package.prices.all(), key=_by_cycle)) for package in packages]
    return render(
        request,
        "backoffice/packages/list.html",
        {"nav": "packages", "tab": "packages", "rows": rows},
    )


@staff_required("packages")
def package_new(request: HttpRequest) -> HttpResponse:
    currency = BusinessSettings.load().currency
    form = PackageForm(request.POST or None, currency=currency)
    if request.method == "POST" and form.is_valid():
        try:
            package = package_create(actor=request.actor, **_values(form))  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Package {package.name} created.")
            return redirect("backoffice:package_list")
    return _form(request, form, None)


@staff_required("packages")
def package_edit(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_object_or_404(Package, pk=pk)
    currency = BusinessSettings.load().currency
    form = PackageForm(
        request.POST or None, currency=currency, initial=PackageForm.initial_for(package, currency)
    )
    # Prices in other currencies are not on the form; keep them as they are.
    other = [p for p in package.prices.all() if p.currency != currency]
    if request.method == "POST" and form.is_valid():
        values = _values(form)
        values["prices"] += [
            {"cycle": p.cycle, "currency": p.currency, "price": p.price, "setup_fee": p.setup_fee}
            for p in other
        ]
        try:
            package = package_update(actor=request.actor, package=package, **values)  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Package {package.name} saved.")
            return redirect("backoffice:package_list")
    return _form(request, form, package, other)


def _values(form: PackageForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "description": data["description"],
        "active": data["active"],
        "sort_order": data["sort_order"],
        "prices": list(data["prices"]),
    }


def _form(
    request: HttpRequest,
    form: PackageForm,
    package: Package | None,
    other_prices: list[PackagePrice] | None = None,
) -> HttpResponse:
    return render(
        request,
        "backoffice/packages/form.html",
        {
            "nav": "packages",
            "tab": "packages",
            "form": form,
            "package": package,
            "currency": form.currency,
            "other_prices": other_prices or [],
        },
    )
