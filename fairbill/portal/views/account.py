"""My Account: overview, invoices (page, PDF, paying online), contact details."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fairbill.core import clock
from fairbill.core.downloads import PDF, attachment, einvoice_download
from fairbill.core.errors import FairbillError
from fairbill.core.keyset import list_page
from fairbill.core.money import ZERO
from fairbill.customers.models import Customer
from fairbill.invoicing.einvoice.from_invoice import invoice_einvoice_file
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.pdf import invoice_pdf
from fairbill.payments.gateways import GatewayPayment, payment_gateway
from fairbill.payments.gateways.base import bank_transfer_instructions
from fairbill.payments.gateways.fake import FakeGateway, checkout_card, checkout_read
from fairbill.payments.gateways.services import gateway_payment_record
from fairbill.payments.methods import customer_set_automatic, gateway_customer_get, method_save
from fairbill.payments.services import credit_apply, credit_balance
from fairbill.portal import selectors
from fairbill.portal.access import customer_actor, customer_required
from fairbill.portal.forms import DetailsForm, error_to_form
from fairbill.portal.services import account_details_update
from fairbill.portal.views.order import PLACED, SAVE_CARD

log = logging.getLogger(__name__)
INVOICES_PER_PAGE = 25


def _customer(request: HttpRequest) -> Customer:
    return request.customer  # type: ignore[attr-defined,no-any-return]


def _invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = selectors.invoice_of(customer=_customer(request), invoice_id=invoice_id)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@customer_required
def overview(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    today = clock.today()
    summary = selectors.account_summary(customer=customer, as_of=today)
    return render(
        request,
        "portal/overview.html",
        {
            "nav": "overview",
            "customer": customer,
            "summary": summary,
            "today": today,
            "estimates_waiting": selectors.estimates_waiting(customer=customer, as_of=today),
        },
    )


@customer_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    show = request.GET.get("show", "")
    if show not in selectors.INVOICE_FILTERS:
        show = ""
    today = clock.today()
    invoices = selectors.invoices_of(customer=customer, show=show, as_of=today)
    page = list_page(invoices, request.GET, size=INVOICES_PER_PAGE)
    return render(
        request,
        "portal/invoice_list.html",
        {
            "nav": "invoices",
            "customer": customer,
            "invoices": page.object_list,
            "page": page,
            "show": show,
            "today": today,
            "filters": [("", "All"), ("due", "Due"), ("overdue", "Overdue"), ("paid", "Paid")],
        },
    )


@customer_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    customer = _customer(request)
    invoice = _invoice(request, invoice_id)
    gateway = payment_gateway()
    credit = credit_balance(customer)
    return render(
        request,
        "portal/invoice_detail.html",
        {
            "nav": "invoices",
            "customer": customer,
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "taxes": list(invoice.taxes.all()),
            "overdue": invoice.is_overdue(clock.today()),
            "credit": credit,
            # what is left for the card when the credit is used first (the box is ticked)
            "card_after_credit": max(invoice.balance - credit, ZERO),
            "gateway": gateway,
            "instructions": bank_transfer_instructions(invoice),
            "credit_notes": list(
                selectors.credit_notes_of(customer=customer, invoice_id=invoice.pk)[:50]
            ),
            "charge": selectors.charge_in_progress(customer=customer, invoice=invoice),
            # "save this card" chosen on the order form that made this invoice: ticked
            "save_card_chosen": bool(request.session.get(SAVE_CARD))
            and request.session.get(PLACED) == invoice.pk,
        },
    )


@customer_required
def invoice_pdf_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    return attachment(invoice_pdf(invoice), PDF, f"{invoice.number}.pdf")


@customer_required
def invoice_einvoice_view(request: HttpRequest, invoice_id: int, syntax: str) -> HttpResponse:
    invoice = _invoice(request, invoice_id)
    return einvoice_download(invoice_einvoice_file, invoice, syntax)


@require_POST
@customer_required
def invoice_pay(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Pay an invoice: account credit first if the customer chose it, then by card."""
    customer = _customer(request)
    invoice = _invoice(request, invoice_id)
    detail = reverse("portal:invoice", args=[invoice.pk])
    if invoice.status != Invoice.Status.UNPAID:
        messages.info(request, f"Invoice {invoice.number} has nothing left to pay.")
        return redirect(detail)
    today = clock.today()
    if request.POST.get("use_credit"):
        amount = min(credit_balance(customer), invoice.balance)
        if amount > 0:
            try:
                invoice = credit_apply(
                    actor=customer_actor(request), invoice=invoice, amount=amount, on=today
                )
            except FairbillError as exc:
                messages.error(request, exc.message)
                return redirect(detail)
            if invoice.status == Invoice.Status.PAID:
                messages.success(request, f"Invoice {invoice.number} is paid with account credit.")
                return redirect(detail)
            messages.success(request, "Your account credit was applied to this invoice.")
    if request.POST.get("method") != "card":
        return redirect(detail)
    gateway = payment_gateway()
    if not gateway.online:
        messages.error(request, "Card payment is not available: please pay by bank transfer.")
        return redirect(detail)
    result = reverse("portal:invoice_payment_result", args=[invoice.pk])
    try:
        save_for = ""
        if request.POST.get("save_card") and gateway.saves_methods:
            save_for = gateway_customer_get(gateway=gateway, customer=customer)
        checkout = gateway.checkout_start(
            invoice=invoice,
            amount=invoice.balance,
            success_url=request.build_absolute_uri(result) + "?ref={REFERENCE}",
            cancel_url=request.build_absolute_uri(detail),
            save_for=save_for,
        )
    except Exception as exc:  # the provider is unreachable or refused: never a 500
        log.warning("Starting a %s checkout failed: %s", gateway.name, type(exc).__name__)
        messages.error(
            request,
            "Card payment is not available right now. Please try again later or pay by bank "
            "transfer.",
        )
        return redirect(detail)
    return redirect(checkout.url)


@customer_required
def invoice_payment_result(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Where the gateway sends the customer back: "payment received" when the gateway told
    us already (its webhook came first), else "we're confirming your payment"."""
    customer = _customer(request)
    invoice = _invoice(request, invoice_id)
    gateway = payment_gateway()
    reference = request.GET.get("ref", "")[:200]
    payment = selectors.gateway_payment_of(
        customer=customer, gateway=gateway.name, reference=reference
    )
    received = payment is not None
    return render(
        request,
        "portal/payment_result.html",
        {
            "nav": "invoices",
            "invoice": invoice,
            "payment": payment,
            "received": received,
            "gateway": gateway,
        },
    )


@customer_required
def fake_checkout(request: HttpRequest, token: str) -> HttpResponse:
    """The fake gateway's checkout page (demos only): Pay records the payment at once."""
    gateway = payment_gateway()
    data = checkout_read(token)
    if not isinstance(gateway, FakeGateway) or data is None:
        raise Http404("No such checkout.")
    invoice = _invoice(request, int(data["invoice"]))
    amount = Decimal(str(data["amount"]))
    if request.method == "POST":
        payment = GatewayPayment(
            reference=str(data["reference"]),
            invoice_id=invoice.pk,
            amount=amount,
            currency=str(data["currency"]),
        )
        gateway_payment_record(
            actor=customer_actor(request), gateway=gateway.name, payment=payment, on=clock.today()
        )
        if data.get("save_for"):  # "save this card for future payments" (a demo card)
            card_keep(actor=customer_actor(request), customer=_customer(request), data=data)
        return redirect(str(data["success"]))
    return render(
        request,
        "portal/fake_checkout.html",
        {
            "invoice": invoice,
            "amount": amount,
            "cancel_url": data["cancel"],
            "gateway": gateway,
        },
    )


def card_keep(*, actor: Any, customer: Customer, data: dict[str, Any]) -> None:
    method_save(actor=actor, customer=customer, gateway="fake", details=checkout_card(data))
    customer_set_automatic(actor=actor, customer=customer, automatic=True)


@customer_required
def details(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if request.method == "POST" and request.POST.get("refresh"):
        # htmx after a country change: the page again (the region may become a select).
        kept = {k: v for k, v in request.POST.items() if k in DetailsForm.base_fields}
        form = DetailsForm(customer=customer, initial=kept)
        return render(
            request, "portal/details.html", {"nav": "details", "customer": customer, "form": form}
        )
    form = DetailsForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        values: dict[str, Any] = {**form.contact_values(), **form.address_values()}
        try:
            account_details_update(actor=customer_actor(request), customer=customer, **values)
        except FairbillError as exc:
            error_to_form(form, exc, {})
        else:
            messages.success(request, "Your details are saved.")
            return redirect("portal:details")
    return render(
        request, "portal/details.html", {"nav": "details", "customer": customer, "form": form}
    )
