"""My Account → Payment methods: save a card or Direct Debit through the gateway's hosted
page (Stripe Checkout in setup mode, or the demo gateway's page), choose the default,
remove one, and turn automatic payment on or off."""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fairbill.core.errors import FairbillError
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.payments.gateways import payment_gateway
from fairbill.payments.gateways.fake import FakeGateway, setup_done, setup_read
from fairbill.payments.methods import (
    customer_set_automatic,
    gateway_customer_get,
    method_remove,
    method_save,
    method_set_default,
)
from fairbill.portal import selectors
from fairbill.portal.access import customer_actor, customer_required

log = logging.getLogger(__name__)
DEMO_CARDS = [
    ("4242", "Visa ending 4242 — always charged"),
    ("9995", "Visa ending 9995 — insufficient funds"),
    ("0002", "Visa ending 0002 — declined"),
]


def _customer(request: HttpRequest) -> Customer:
    return request.customer  # type: ignore[attr-defined,no-any-return]


@customer_required
def payment_methods(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    return render(
        request,
        "portal/payment_methods.html",
        {
            "nav": "methods",
            "customer": customer,
            "methods": selectors.payment_methods_of(customer=customer),
            "automatic": customer.payment_method == PaymentMethod.AUTOMATIC,
            "gateway": payment_gateway(),
        },
    )


@require_POST
@customer_required
def payment_method_add(request: HttpRequest) -> HttpResponse:
    """Send the customer to the gateway's page to save a method for later payments."""
    customer = _customer(request)
    gateway = payment_gateway()
    back = reverse("portal:payment_methods")
    if not gateway.saves_methods:
        messages.error(request, "Saving a card is not available: please pay by bank transfer.")
        return redirect(back)
    saved = request.build_absolute_uri(reverse("portal:payment_method_saved"))
    try:
        setup = gateway.setup_start(
            customer_id=customer.pk,
            email=customer.email,
            gateway_customer=gateway_customer_get(gateway=gateway, customer=customer),
            success_url=saved + "?ref={REFERENCE}",
            cancel_url=request.build_absolute_uri(back),
        )
    except Exception as exc:  # the provider is unreachable or refused: never a 500
        log.warning("Starting a %s setup failed: %s", gateway.name, type(exc).__name__)
        messages.error(request, "Saving a card is not available right now. Please try later.")
        return redirect(back)
    return redirect(setup.url)


@customer_required
def payment_method_saved(request: HttpRequest) -> HttpResponse:
    """Where the gateway sends the customer back: the method is read from the gateway (never
    from the link) and saved; its webhook may have saved it first, which changes nothing."""
    customer = _customer(request)
    gateway = payment_gateway()
    back = reverse("portal:payment_methods")
    reference = request.GET.get("ref", "")[:2000]
    try:
        details = gateway.setup_result(reference=reference) if reference else None
        mine = gateway_customer_get(gateway=gateway, customer=customer)
        if details is None or details.gateway_customer != mine:
            messages.info(request, "We're confirming your payment method: it appears here soon.")
            return redirect(back)
        method = method_save(
            actor=customer_actor(request), customer=customer, gateway=gateway.name, details=details
        )
        customer_set_automatic(actor=customer_actor(request), customer=customer, automatic=True)
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    except Exception as exc:
        log.warning("Reading a %s setup failed: %s", gateway.name, type(exc).__name__)
        messages.info(request, "We're confirming your payment method: it appears here soon.")
        return redirect(back)
    messages.success(
        request, f"{method} is saved: your invoices are paid with it on their due date."
    )
    return redirect(back)


@require_POST
@customer_required
def payment_method_change(request: HttpRequest, method_id: int) -> HttpResponse:
    """Make a method the default, or remove it (detached at the gateway)."""
    customer = _customer(request)
    method = selectors.payment_method_of(customer=customer, method_id=method_id)
    if method is None:
        raise Http404("No such payment method.")
    actor = customer_actor(request)
    try:
        if request.POST.get("action") == "remove":
            method_remove(actor=actor, method=method, gateway=payment_gateway())
            messages.success(request, f"{method} is removed.")
        else:
            method_set_default(actor=actor, method=method)
            messages.success(request, f"{method} is now your default payment method.")
    except FairbillError as exc:
        messages.error(request, exc.message)
    except Exception as exc:
        log.warning("Changing a saved method failed: %s", type(exc).__name__)
        messages.error(request, "That didn't work right now. Please try again later.")
    return redirect("portal:payment_methods")


@require_POST
@customer_required
def payment_automatic(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    turn_on = request.POST.get("automatic") == "on"
    try:
        customer_set_automatic(actor=customer_actor(request), customer=customer, automatic=turn_on)
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect("portal:payment_methods")
    messages.success(
        request,
        "Your invoices are paid automatically on their due date."
        if turn_on
        else "Automatic payment is off: you pay each invoice yourself.",
    )
    return redirect("portal:payment_methods")


@customer_required
def fake_setup(request: HttpRequest, token: str) -> HttpResponse:
    """The demo gateway's page for saving a card (no money moves)."""
    gateway = payment_gateway()
    data = setup_read(token)
    customer = _customer(request)
    if not isinstance(gateway, FakeGateway) or data is None or data["customer"] != customer.pk:
        raise Http404("No such page.")
    if request.method == "POST":
        last4 = request.POST.get("card", "4242")
        if last4 not in {card for card, _ in DEMO_CARDS}:
            last4 = "4242"
        reference = setup_done(data, last4=last4, exp_year=2030)
        success = str(data["success"]).replace("{REFERENCE}", quote(reference, safe=""))
        return redirect(success)
    return render(
        request,
        "portal/fake_setup.html",
        {"cards": DEMO_CARDS, "cancel_url": data["cancel"], "gateway": gateway},
    )
