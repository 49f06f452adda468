"""Credit notes: issuing one on an invoice, lists, the PDF and the e-invoice.

A credit note is how an issued invoice is corrected once it was sent or paid (a void is only
for an invoice never sent and never paid)."""

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from fairbill.api.fields import (
    Body,
    Day,
    Filled,
    Id,
    Money,
    OneOf,
    Quantity,
    Text,
    money_resolver,
    rate_out,
)
from fairbill.api.helpers import (
    attachment,
    fields_named,
    object_or_404,
    pdf_openapi,
    require,
    xml_openapi,
)
from fairbill.api.idempotency import idempotent
from fairbill.api.invoices import quantity_out, unit_price_out
from fairbill.api.pagination import Page, paginate
from fairbill.core import clock
from fairbill.core.prefetch import listed, rows
from fairbill.invoicing.einvoice.from_invoice import credit_note_einvoice_file
from fairbill.invoicing.models import (
    REFUND_BY_HAND,
    CreditNote,
    CreditNoteLine,
    CreditNoteTax,
    Invoice,
)
from fairbill.invoicing.pdf import credit_note_pdf
from fairbill.invoicing.selectors import credit_notes
from fairbill.payments.credit_notes import MAX_LINES, credit_note_issue

router: Router = Router(tags=["credit notes"])

RefundMethod = Annotated[str, OneOf([str(m) for m in REFUND_BY_HAND])]


class CreditNoteLineOut(Schema):
    invoice_line_id: int
    description: str
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str = Field(description='percent, e.g. "20"')
    tax_name: str

    @staticmethod
    def resolve_quantity(obj: CreditNoteLine) -> str:
        return quantity_out(obj.quantity)

    @staticmethod
    def resolve_unit_price(obj: CreditNoteLine) -> str:
        return unit_price_out(obj.unit_price, obj.credit_note.currency)

    resolve_amount = money_resolver("amount", "credit_note.currency")

    @staticmethod
    def resolve_tax_rate(obj: CreditNoteLine) -> str:
        return rate_out(obj.tax_rate)


class CreditNoteTaxOut(Schema):
    name: str
    rate: str
    net: str
    tax: str

    @staticmethod
    def resolve_rate(obj: CreditNoteTax) -> str:
        return rate_out(obj.rate)

    resolve_net = money_resolver("net", "credit_note.currency")

    resolve_tax = money_resolver("tax", "credit_note.currency")


class CreditNoteRefundOut(Schema):
    amount: str
    method: str
    date: dt.date | None
    reference: str


class CreditNoteOut(Schema):
    id: int
    number: str
    invoice_id: int
    invoice_number: str
    customer_id: int
    currency: str
    issue_date: dt.date
    reason: str
    lines: list[CreditNoteLineOut]
    taxes: list[CreditNoteTaxOut]
    subtotal: str
    tax: str
    total: str
    to_balance: str = Field(description="taken off the invoice's balance")
    to_credit: str = Field(description="added to the customer's account credit")
    refund: CreditNoteRefundOut | None = Field(
        description="refunded by hand (bank transfer or cash)"
    )
    reversed_renewal: bool
    tax_treatment: str
    created_at: dt.datetime

    @staticmethod
    def resolve_invoice_number(obj: CreditNote) -> str:
        return str(obj.invoice.number)

    @staticmethod
    def resolve_lines(obj: CreditNote) -> list[CreditNoteLine]:
        lines = rows(obj, "lines")
        for line in lines:
            line.credit_note = obj
        return lines

    @staticmethod
    def resolve_taxes(obj: CreditNote) -> list[CreditNoteTax]:
        taxes = rows(obj, "taxes")
        for tax in taxes:
            tax.credit_note = obj
        return taxes

    @staticmethod
    def resolve_refund(obj: CreditNote) -> dict[str, Any] | None:
        if not obj.refunded:
            return None
        return {
            "amount": str(obj.refunded),
            "method": obj.refund_method,
            "date": obj.refund_date,
            "reference": obj.refund_reference,
        }

    resolve_subtotal = money_resolver("subtotal")

    resolve_tax = money_resolver("tax")

    resolve_total = money_resolver("total")

    resolve_to_balance = money_resolver("to_balance")

    resolve_to_credit = money_resolver("to_credit")


class CreditLineIn(Body):
    invoice_line_id: Id
    quantity: Quantity | None = Field(None, description="credit this quantity at its price")
    amount: Money | None = Field(None, description="or credit this net amount of the line")


class CreditNoteRefundIn(Body):
    method: RefundMethod
    date: Day
    reference: Text = Field("", max_length=200)


class CreditNoteIn(Body):
    reason: Filled = Field(max_length=300)
    lines: list[CreditLineIn] | None = Field(
        None,
        max_length=MAX_LINES,
        description="lines to credit (all that is left of each when neither quantity nor "
        "amount is given); leave out lines and amount to credit the whole invoice",
    )
    amount: Money | None = Field(
        None, description="a net amount credited over the invoice's lines in their order"
    )
    refund: CreditNoteRefundIn | None = Field(
        None,
        description="what goes beyond the balance due was refunded by hand; without it, it "
        "becomes account credit",
    )
    reverse_renewal: bool = Field(
        False,
        description="renewal invoices: move the renewal date of the packages whose period "
        "this note credits in full back to that period's start",
    )
    date: Day | None = Field(None, description="the credit note's date; default: today")


def _notes() -> QuerySet[CreditNote]:
    return credit_notes().prefetch_related(*listed("lines", "taxes"))


@router.post("/invoices/{id}/credit-notes", response={201: CreditNoteOut})
@idempotent
def credit_note_post(request: HttpRequest, id: int, payload: CreditNoteIn) -> Any:
    """Credit all of an issued invoice, chosen lines, or a net amount; never beyond what is
    left (409 `more_than_left`). The unpaid balance goes down first; the rest becomes account
    credit, or a refund recorded by hand. The customer is emailed the credit note."""
    actor = require(request, "invoices")
    invoice = object_or_404(Invoice.objects.select_related("customer"), id, "invoice")
    lines = None
    if payload.lines is not None:
        lines = [line.model_dump(exclude_none=True) for line in payload.lines]
    refund = payload.refund.model_dump() if payload.refund is not None else None
    with fields_named(on="date"):
        note = credit_note_issue(
            actor=actor,
            invoice=invoice,
            reason=payload.reason,
            on=payload.date or clock.today(),
            lines=lines,
            amount=payload.amount,
            refund=refund,
            reverse_renewal=payload.reverse_renewal,
        )
    return Status(201, _notes().get(pk=note.pk))


@router.get("/credit-notes", response=list[CreditNoteOut])
@paginate(Page)
def credit_note_list(
    request: HttpRequest, customer_id: Id | None = None, invoice_id: Id | None = None
) -> Any:
    """Credit notes, newest first; filter by customer or invoice."""
    require(request, "invoices")
    return credit_notes(customer_id=customer_id, invoice_id=invoice_id).prefetch_related(
        *listed("lines", "taxes")
    )


@router.get("/credit-notes/{id}", response=CreditNoteOut)
def credit_note_get(request: HttpRequest, id: int) -> Any:
    require(request, "invoices")
    return object_or_404(_notes(), id, "credit note")


@router.get(
    "/credit-notes/{id}/pdf",
    response={200: None},
    openapi_extra=pdf_openapi("credit note"),
)
def credit_note_pdf_get(request: HttpRequest, id: int) -> HttpResponse:
    """The credit note as a PDF (Factur-X when the setting `einvoice_pdf` is on)."""
    require(request, "invoices")
    note = object_or_404(CreditNote.objects.select_related("invoice"), id, "credit note")
    return attachment(credit_note_pdf(note), "application/pdf", f"{note.number}.pdf")


@router.get(
    "/credit-notes/{id}/einvoice",
    response={200: None},
    openapi_extra=xml_openapi("The credit note as an EN 16931 e-invoice (XML, type 381)"),
)
def credit_note_einvoice_get(request: HttpRequest, id: int, syntax: Text = "cii") -> HttpResponse:
    """The credit note as an EN 16931 e-invoice of type 381 naming its invoice (BG-3):
    `syntax=cii` or `syntax=ubl` (a UBL CreditNote)."""
    require(request, "invoices")
    note = object_or_404(CreditNote.objects.select_related("invoice"), id, "credit note")
    name, xml = credit_note_einvoice_file(note, syntax)
    return attachment(xml, "application/xml", name)
