"""Estimates (quotes): lists, new estimates, accepting (→ the invoice), declining, PDFs.

An accepted estimate becomes a manual invoice once; accepting it again answers 409."""

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from fairbill.api.fields import Body, Day, Id, OneOf, Text, money_resolver, rate_out
from fairbill.api.helpers import attachment, object_or_404, pdf_openapi, require
from fairbill.api.idempotency import idempotent
from fairbill.api.invoices import InvoiceOut, LineIn, invoices, quantity_out, unit_price_out
from fairbill.api.pagination import Page, paginate
from fairbill.core import clock
from fairbill.core.errors import NotFound
from fairbill.core.prefetch import listed, rows
from fairbill.customers.models import Customer
from fairbill.invoicing.estimate_pdf import estimate_pdf
from fairbill.invoicing.estimate_selectors import estimates_filtered, with_expired
from fairbill.invoicing.estimates import (
    estimate_accept,
    estimate_create,
    estimate_decline,
    estimate_send,
)
from fairbill.invoicing.models import Estimate, EstimateLine
from fairbill.invoicing.services import MAX_LINES

router: Router = Router(tags=["estimates"])

STATUSES = [*Estimate.Status.values, "expired"]


class EstimateLineOut(Schema):
    description: str
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str = Field(description='percent, e.g. "20"')
    tax_name: str

    @staticmethod
    def resolve_quantity(obj: EstimateLine) -> str:
        return quantity_out(obj.quantity)

    @staticmethod
    def resolve_unit_price(obj: EstimateLine) -> str:
        return unit_price_out(obj.unit_price, obj.estimate.currency)

    resolve_amount = money_resolver("amount", "estimate.currency")

    @staticmethod
    def resolve_tax_rate(obj: EstimateLine) -> str:
        return rate_out(obj.tax_rate)


class EstimateOut(Schema):
    id: int
    number: str
    status: str = Field(description="draft, sent, accepted or declined")
    expired: bool = Field(description="still open and past valid_until: it can't be accepted")
    customer_id: int
    currency: str
    issue_date: dt.date
    valid_until: dt.date | None
    lines: list[EstimateLineOut]
    subtotal: str
    tax: str
    total: str
    notes: str
    invoice_id: int | None = Field(description="the invoice it became when accepted")
    decline_reason: str
    sent_at: dt.datetime | None
    decided_at: dt.datetime | None = Field(description="when it was accepted or declined")
    created_at: dt.datetime

    @staticmethod
    def resolve_expired(obj: Estimate) -> bool:
        return obj.expired  # type: ignore[attr-defined]  # from estimates()

    @staticmethod
    def resolve_lines(obj: Estimate) -> list[EstimateLine]:
        lines = rows(obj, "lines")
        for line in lines:
            line.estimate = obj  # its currency, without a query per line
        return lines

    resolve_subtotal = money_resolver("subtotal")

    resolve_tax = money_resolver("tax")

    resolve_total = money_resolver("total")


class EstimateIn(Body):
    customer_id: Id
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    issue_date: Day | None = Field(None, description="default: today")
    valid_until: Day | None = Field(
        None, description="the last day it can be accepted; none: no limit"
    )
    notes: Text = Field("", max_length=5000)
    send: bool = Field(False, description="true to email it to the customer at once (status sent)")


class DeclineIn(Body):
    reason: Text = Field("", max_length=500)


def estimates() -> QuerySet[Estimate]:
    return with_expired(Estimate.objects.prefetch_related(*listed("lines")), clock.today())


@router.get("/estimates", response=list[EstimateOut])
@paginate(Page)
def estimate_list(
    request: HttpRequest,
    customer_id: Id | None = None,
    status: Annotated[str, OneOf(STATUSES, blank=True)] = "",
) -> Any:
    """Estimates, newest first; filter by customer and status (`expired`: open and past
    valid_until)."""
    require(request, "invoices")
    found = estimates()
    if customer_id is not None:
        found = found.filter(customer_id=customer_id)
    return estimates_filtered(found, status, clock.today()).order_by("-issue_date", "-id")


@router.post("/estimates", response={201: EstimateOut})
@idempotent
def estimate_post(request: HttpRequest, payload: EstimateIn) -> Any:
    """A new estimate (a draft), taxed as an invoice to the customer would be; with
    `send: true` it is emailed to the customer with its PDF."""
    actor = require(request, "invoices")
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise NotFound(f"No customer with id {payload.customer_id}.", "customer_id")
    today = clock.today()
    estimate = estimate_create(
        actor=actor,
        customer=customer,
        lines=[line.model_dump() for line in payload.lines],
        issue_date=payload.issue_date or today,
        valid_until=payload.valid_until,
        notes=payload.notes,
    )
    if payload.send:
        estimate_send(actor=actor, estimate=estimate, on=today)
    return Status(201, estimates().get(pk=estimate.pk))


@router.get("/estimates/{id}", response=EstimateOut)
def estimate_get(request: HttpRequest, id: int) -> Any:
    require(request, "invoices")
    return object_or_404(estimates(), id, "estimate")


@router.post("/estimates/{id}/send", response=EstimateOut)
@idempotent
def estimate_send_post(request: HttpRequest, id: int) -> Any:
    """Email the estimate to the customer with its PDF (again, if it was sent before)."""
    actor = require(request, "invoices")
    estimate = object_or_404(Estimate, id, "estimate")
    estimate_send(actor=actor, estimate=estimate, on=clock.today())
    return estimates().get(pk=estimate.pk)


@router.post("/estimates/{id}/accept", response=InvoiceOut)
@idempotent
def estimate_accept_post(request: HttpRequest, id: int) -> Any:
    """Accept the estimate on the customer's behalf: it becomes a manual invoice (issued
    today, emailed), returned here. 409 when it was already accepted (`already_accepted`),
    declined (`declined`) or has expired (`expired`)."""
    actor = require(request, "invoices")
    estimate = object_or_404(Estimate, id, "estimate")
    today = clock.today()
    invoice = estimate_accept(actor=actor, estimate=estimate, on=today)
    return invoices(today).get(pk=invoice.pk)


@router.post("/estimates/{id}/decline", response=EstimateOut)
@idempotent
def estimate_decline_post(request: HttpRequest, id: int, payload: DeclineIn) -> Any:
    """Record that the customer declined the estimate (with an optional reason)."""
    actor = require(request, "invoices")
    estimate = object_or_404(Estimate, id, "estimate")
    estimate_decline(actor=actor, estimate=estimate, on=clock.today(), reason=payload.reason)
    return estimates().get(pk=estimate.pk)


@router.get(
    "/estimates/{id}/pdf",
    response={200: None},
    openapi_extra=pdf_openapi("estimate"),
)
def estimate_pdf_get(request: HttpRequest, id: int) -> HttpResponse:
    """The estimate as a PDF, as an attachment named after its number."""
    require(request, "invoices")
    estimate = object_or_404(Estimate.objects.select_related("customer"), id, "estimate")
    return attachment(estimate_pdf(estimate), "application/pdf", f"{estimate.number}.pdf")
