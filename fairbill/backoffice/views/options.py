"""Options (add-ons): list, create and edit, with prices per cycle (and per choice)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.forms import OptionForm, OptionPriceFormSet
from fairbill.backoffice.views.common import CYCLE_ORDER, show_error
from fairbill.catalog.models import Cycle, Option, OptionPrice
from fairbill.catalog.services import option_create, option_update
from fairbill.core.errors import FairbillError
from fairbill.core.models import BusinessSettings

BLANK_ROWS = 3


@staff_required("packages")
def option_list(request: HttpRequest) -> HttpResponse:
    options = Option.objects.prefetch_related("packages", "choices", "prices__choice")
    rows = [
        (
            option,
            sorted(
                option.prices.all(),
                key=lambda p: (p.choice.name if p.choice else "", CYCLE_ORDER[p.cycle]),
            ),
        )
        for option in options
    ]
    return render(
        request, "backoffice/options/list.html", {"nav": "packages", "tab": "options", "rows": rows}
    )


@staff_required("packages")
def option_new(request: HttpRequest) -> HttpResponse:
    currency = BusinessSettings.load().currency
    form = OptionForm(request.POST or None)
    prices = OptionPriceFormSet(
        request.POST or None,
        prefix="prices",
        initial=[{"cycle": cycle} for cycle in Cycle.values],
        form_kwargs={"currency": currency},
    )
    if request.method == "POST" and form.is_valid() and prices.is_valid():
        data = form.cleaned_data
        try:
            option = option_create(
                actor=request.actor,  # type: ignore[attr-defined]
                name=data["name"],
                kind=data["kind"],
                description=data["description"],
                unit=data["unit"],
                max_quantity=data["max_quantity"],
                active=data["active"],
                package_ids=[p.pk for p in data["packages"]],
                choices=data["choices"],
                prices=_price_rows(prices, currency),
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Option {option.name} created.")
            return redirect("backoffice:option_list")
    return _form(request, form, prices, None, currency)


@staff_required("packages")
def option_edit(request: HttpRequest, pk: int) -> HttpResponse:
    option = get_object_or_404(Option, pk=pk)
    currency = BusinessSettings.load().currency
    existing = list(option.prices.select_related("choice"))
    other = [p for p in existing if p.currency != currency]
    form = OptionForm(
        request.POST or None,
        editing=True,
        initial={
            "name": option.name,
            "kind": option.kind,
            "description": option.description,
            "unit": option.unit,
            "max_quantity": option.max_quantity,
            "active": option.active,
            "packages": list(option.packages.all()),
            "choices": "\n".join(c.name for c in option.choices.all()),
        },
    )
    rows = [_row(p) for p in existing if p.currency == currency]
    rows += [{"cycle": Cycle.MONTHLY}] * max(BLANK_ROWS, len(Cycle.values) - len(rows))
    prices = OptionPriceFormSet(
        request.POST or None, prefix="prices", initial=rows, form_kwargs={"currency": currency}
    )
    if request.method == "POST" and form.is_valid() and prices.is_valid():
        data = form.cleaned_data
        try:
            option = option_update(
                actor=request.actor,  # type: ignore[attr-defined]
                option=option,
                name=data["name"],
                description=data["description"],
                unit=data["unit"],
                max_quantity=data["max_quantity"],
                active=data["active"],
                package_ids=[p.pk for p in data["packages"]],
                choices=data["choices"],
                prices=_price_rows(prices, currency) + [_row(p) for p in other],
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Option {option.name} saved.")
            return redirect("backoffice:option_list")
    return _form(request, form, prices, option, currency, other)


def _row(price: OptionPrice) -> dict[str, Any]:
    return {
        "choice": price.choice.name if price.choice else "",
        "cycle": price.cycle,
        "currency": price.currency,
        "price": price.price,
        "setup_fee": price.setup_fee,
    }


def _price_rows(prices: Any, currency: str) -> list[dict[str, Any]]:
    return [
        {
            "choice": row["choice"],
            "cycle": row["cycle"],
            "currency": currency,
            "price": row["price"],
            "setup_fee": row["setup_fee"] or "0",
        }
        for row in prices.cleaned_data
        if row and not row.get("empty")
    ]


def _form(
    request: HttpRequest,
    form: OptionForm,
    prices: Any,
    option: Option | None,
    currency: str,
    other_prices: list[OptionPrice] | None = None,
) -> HttpResponse:
    return render(
        request,
        "backoffice/options/form.html",
        {
            "nav": "packages",
            "tab": "options",
            "form": form,
            "prices": prices,
            "option": option,
            "currency": currency,
            "other_prices": other_prices or [],
        },
    )
