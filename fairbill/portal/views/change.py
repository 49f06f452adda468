"""My Account: change a package now (upgrade or downgrade), in pages that carry the choices
in the querystring, then in hidden fields, never in server state:

1. choose the new package and cycle, then its options (kept from the package now, by default);
2. review exactly what subscription_change_preview computes (writes nothing);
3. confirm: subscription_change makes the change invoice (opened to pay it) or the credit.

Customers never get the staff-only setup fee charge: charge_setup_fee stays False.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fairbill.catalog.models import Cycle
from fairbill.core import clock
from fairbill.core.errors import FairbillError, InvalidInput
from fairbill.core.money import format_money
from fairbill.customers.models import Customer
from fairbill.invoicing.tax import tax_for_customer
from fairbill.portal import selectors
from fairbill.portal.access import customer_actor, customer_required
from fairbill.portal.forms import change_option_rows, change_package
from fairbill.subscriptions.changes import subscription_change, subscription_change_preview
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.selectors import changeable

CARRIED_PREFIXES = ("package", "cycle", "option_")


def _customer(request: HttpRequest) -> Customer:
    return request.customer  # type: ignore[attr-defined,no-any-return]


def _subscription(request: HttpRequest, subscription_id: int) -> Subscription:
    sub = selectors.subscription_of(customer=_customer(request), subscription_id=subscription_id)
    if sub is None:
        raise Http404("No such package.")
    return sub


def _carried(data: QueryDict) -> list[tuple[str, str]]:
    """The choices made so far (package, cycle, options), to pass on."""
    return [
        (key, value)
        for key, values in data.lists()
        if key.startswith(CARRIED_PREFIXES)
        for value in values[:1]
    ]


def _choose_url(sub: Subscription, carried: list[tuple[str, str]]) -> str:
    url = reverse("portal:change_choose", args=[sub.pk])
    return f"{url}?{urlencode(carried)}" if carried else url


def _choices(request: HttpRequest, sub: Subscription, data: QueryDict) -> dict[str, Any]:
    """The arguments of subscription_change_preview / subscription_change, from the pages."""
    package = change_package(data)
    cycle = str(data.get("cycle", ""))
    if package is None:
        raise InvalidInput("package: choose one of the packages offered.", "package")
    offers = selectors.change_options(
        customer=_customer(request), subscription=sub, package=package, cycle=cycle
    )
    return {
        "package": package,
        "cycle": cycle,
        "options": change_option_rows(offers, data),
        "as_of": clock.today(),
        "charge_setup_fee": False,
    }


@customer_required
def change_choose(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Step 1: the packages and cycles to change to; once one is picked, its options."""
    customer = _customer(request)
    sub = _subscription(request, subscription_id)
    plan = str(request.GET.get("plan", ""))
    data = request.GET.copy()
    if ":" in plan:  # the package and cycle picked together, as one radio button
        data["package"], data["cycle"] = plan.split(":", 1)
    package = change_package(data)
    cycle = str(data.get("cycle", ""))
    offers = selectors.change_offers(customer=customer, subscription=sub)
    picked = next((o for o in offers if o.package == package and o.cycle == cycle), None)
    if plan and picked is None:
        messages.error(request, "Choose one of the packages offered.")
    option_offers = []
    if picked is not None:
        option_offers = selectors.change_options(
            customer=customer, subscription=sub, package=picked.package, cycle=picked.cycle
        )
        if plan and not option_offers:  # just picked, and nothing more to choose
            query = urlencode({"package": picked.package.pk, "cycle": picked.cycle})
            return redirect(f"{reverse('portal:change_review', args=[sub.pk])}?{query}")
    return render(
        request,
        "portal/change_choose.html",
        {
            "nav": "overview",
            "customer": customer,
            "subscription": sub,
            "changeable": changeable(sub),
            "offers": offers,
            "picked": picked,
            "option_values": _option_values(option_offers, data),
            "values": data,
        },
    )


def _option_values(offers: list[selectors.ChangeOptionOffer], data: QueryDict) -> list[Any]:
    """Each option with its value: as chosen before (back from the review), else as now."""
    back = any(key.startswith("option_") for key in data)
    return [
        (offer, str(data.get(f"option_{offer.option.pk}", "")) if back else str(offer.current))
        for offer in offers
    ]


@customer_required
def change_review(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Step 2: what the change would invoice or credit, writing nothing."""
    customer = _customer(request)
    sub = _subscription(request, subscription_id)
    carried = _carried(request.GET)
    try:
        plan = subscription_change_preview(subscription=sub, **_choices(request, sub, request.GET))
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect(_choose_url(sub, carried))
    return render(
        request,
        "portal/change_review.html",
        {
            "nav": "overview",
            "customer": customer,
            "subscription": sub,
            "plan": plan,
            "to_cycle": Cycle(plan.to_cycle).label,
            "tax": tax_for_customer(customer),
            "carried": carried,
            "back": _choose_url(sub, carried),
        },
    )


@require_POST
@customer_required
def change_confirm(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Step 3: make the change; open the change invoice to pay it, or say what was credited."""
    sub = _subscription(request, subscription_id)
    carried = _carried(request.POST)
    try:
        plan, change = subscription_change(
            actor=customer_actor(request), subscription=sub, **_choices(request, sub, request.POST)
        )
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect(_choose_url(sub, carried))
    name = plan.to_package.name
    if change.invoice is not None:
        invoice = change.invoice
        messages.success(
            request,
            f"Your package is now {name}. Invoice {invoice.number} for "
            f"{format_money(invoice.total, invoice.currency)} is below: you can pay it now.",
        )
        return redirect("portal:invoice", invoice_id=invoice.pk)
    if plan.credit > 0:
        messages.success(
            request,
            f"Your package is now {name}. {format_money(plan.credit, plan.currency)} of "
            "account credit was added for the unused time: it is used on your next invoices.",
        )
    else:
        messages.success(request, f"Your package is now {name}. There is nothing to pay.")
    return redirect("portal:overview")
