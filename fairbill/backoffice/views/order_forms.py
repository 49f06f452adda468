"""Order forms: the public pages that offer some packages and options."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.forms import OrderFormForm
from fairbill.backoffice.views.common import show_error
from fairbill.catalog.models import Cycle, OrderForm
from fairbill.catalog.services import order_form_create, order_form_update
from fairbill.core.errors import FairbillError


@staff_required("packages")
def order_form_list(request: HttpRequest) -> HttpResponse:
    order_forms = OrderForm.objects.prefetch_related("packages", "options")
    cycle_labels = dict(Cycle.choices)
    rows = [(f, [cycle_labels.get(c, c) for c in f.cycles]) for f in order_forms]
    return render(
        request,
        "backoffice/order_forms/list.html",
        {"nav": "packages", "tab": "order_forms", "rows": rows},
    )


@staff_required("packages")
def order_form_new(request: HttpRequest) -> HttpResponse:
    form = OrderFormForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order_form = order_form_create(actor=request.actor, **_values(form))  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Order form {order_form.name} created.")
            return redirect("backoffice:order_form_list")
    return _form(request, form, None)


@staff_required("packages")
def order_form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order_form = get_object_or_404(OrderForm, pk=pk)
    form = OrderFormForm(
        request.POST or None,
        initial={
            "name": order_form.name,
            "slug": order_form.slug,
            "description": order_form.description,
            "packages": list(order_form.packages.all()),
            "options": list(order_form.options.all()),
            "cycles": order_form.cycles,
            "active": order_form.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            order_form = order_form_update(
                actor=request.actor,  # type: ignore[attr-defined]
                order_form=order_form,
                **_values(form),
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Order form {order_form.name} saved.")
            return redirect("backoffice:order_form_list")
    return _form(request, form, order_form)


def _values(form: OrderFormForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "slug": data["slug"],
        "description": data["description"],
        "package_ids": [p.pk for p in data["packages"]],
        "option_ids": [o.pk for o in data["options"]],
        "cycles": data["cycles"],
        "active": data["active"],
    }


def _form(request: HttpRequest, form: OrderFormForm, order_form: OrderForm | None) -> HttpResponse:
    return render(
        request,
        "backoffice/order_forms/form.html",
        {"nav": "packages", "tab": "order_forms", "form": form, "order_form": order_form},
    )
