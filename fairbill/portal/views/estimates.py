"""My Account: the customer's estimates — the list, one estimate, its PDF, accepting it
(→ the new invoice, to pay as any other) and declining it. Another customer's estimate, or a
draft, is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fairbill.core import clock
from fairbill.core.downloads import PDF, attachment
from fairbill.core.errors import FairbillError
from fairbill.core.keyset import list_page
from fairbill.core.money import format_money
from fairbill.customers.models import Customer
from fairbill.invoicing.estimate_pdf import estimate_pdf, estimate_pdf_name, estimate_taxes
from fairbill.invoicing.estimate_selectors import with_expired
from fairbill.invoicing.estimates import estimate_accept, estimate_decline
from fairbill.invoicing.models import Estimate
from fairbill.portal import selectors
from fairbill.portal.access import customer_actor, customer_required

ESTIMATES_PER_PAGE = 25


def _customer(request: HttpRequest) -> Customer:
    return request.customer  # type: ignore[attr-defined,no-any-return]


def _estimate(request: HttpRequest, estimate_id: int) -> Estimate:
    estimate = selectors.estimate_of(customer=_customer(request), estimate_id=estimate_id)
    if estimate is None:
        raise Http404("No such estimate.")
    return estimate


@customer_required
def estimate_list(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    today = clock.today()
    page = list_page(
        with_expired(selectors.estimates_of(customer=customer), today),
        request.GET,
        size=ESTIMATES_PER_PAGE,
    )
    return render(
        request,
        "portal/estimate_list.html",
        {
            "nav": "estimates",
            "customer": customer,
            "waiting": selectors.estimates_waiting(customer=customer, as_of=today),
            "estimates": page.object_list,
            "page": page,
        },
    )


@customer_required
def estimate_detail(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _estimate(request, estimate_id)
    lines = list(estimate.lines.all())
    return render(
        request,
        "portal/estimate_detail.html",
        {
            "nav": "estimates",
            "customer": _customer(request),
            "estimate": estimate,
            "expired": estimate.is_expired(clock.today()),
            "lines": lines,
            "taxes": estimate_taxes(estimate, lines),
        },
    )


@customer_required
def estimate_pdf_view(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _estimate(request, estimate_id)
    return attachment(estimate_pdf(estimate), PDF, estimate_pdf_name(estimate))


@require_POST
@customer_required
def estimate_accept_view(request: HttpRequest, estimate_id: int) -> HttpResponse:
    """Accept: the invoice is issued at once and the customer is taken to it to pay."""
    estimate = _estimate(request, estimate_id)
    try:
        invoice = estimate_accept(
            actor=customer_actor(request), estimate=estimate, on=clock.today()
        )
    except FairbillError as exc:
        estimate.refresh_from_db()
        if estimate.invoice_id:  # a second click: show the invoice the first one made
            messages.info(request, f"You accepted estimate {estimate.number}: here is its invoice.")
            return redirect("portal:invoice", invoice_id=estimate.invoice_id)
        messages.error(request, exc.message)
        return redirect("portal:estimate", estimate_id=estimate.pk)
    total = format_money(invoice.total, invoice.currency)
    messages.success(
        request,
        f"Thank you: estimate {estimate.number} is accepted. "
        f"Invoice {invoice.number} for {total} is ready.",
    )
    return redirect("portal:invoice", invoice_id=invoice.pk)


@require_POST
@customer_required
def estimate_decline_view(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _estimate(request, estimate_id)
    try:
        estimate_decline(
            actor=customer_actor(request),
            estimate=estimate,
            on=clock.today(),
            reason=request.POST.get("reason", "")[:500],
        )
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Estimate {estimate.number} is declined. Thank you for letting us know."
        )
    return redirect("portal:estimate", estimate_id=estimate.pk)
