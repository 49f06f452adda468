"""Invoices: lists, manual invoices, voids, payments and PDFs.

Issued invoices never change: a correction is a credit note (fairbill/api/credit_notes.py)
and, where needed, a new invoice; a void only for an invoice never sent and never paid.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from fairbill.api.automatic_payments import AttemptOut
from fairbill.api.fields import (
    Body,
    Day,
    Filled,
    Id,
    Money,
    OneOf,
    Quantity,
    SignedMoney,
    Text,
    money_out,
    money_resolver,
    rate_out,
)
from fairbill.api.helpers import attachment, object_or_404, pdf_openapi, require, xml_openapi
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.core import clock
from fairbill.core.errors import NotFound
from fairbill.core.money import ZERO, quantize
from fairbill.core.prefetch import listed, rows
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.invoicing.einvoice.from_invoice import invoice_einvoice_file
from fairbill.invoicing.models import CreditNote, Invoice, InvoiceLine, InvoiceTax
from fairbill.invoicing.pdf import invoice_pdf
from fairbill.invoicing.selectors import overdue as overdue_q
from fairbill.invoicing.services import MAX_LINES, invoice_create
from fairbill.payments.models import Payment, PaymentAttempt
from fairbill.payments.services import invoice_void, payment_record

router: Router = Router(tags=["invoices"])

PaymentMethodChoice = Annotated[str, OneOf(PaymentMethod.values)]


def quantity_out(quantity: Any) -> str:
    """A quantity without trailing zeros: "1", "2.5"."""
    return rate_out(quantity)


class LineOut(Schema):
    id: int = Field(description="the line's id, to credit it (POST /invoices/{id}/credit-notes)")
    description: str
    kind: str
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str = Field(description='percent, e.g. "20"')
    tax_name: str
    subscription_id: int | None
    period_start: dt.date | None
    period_end: dt.date | None = Field(description="the period is [start, end)")

    @staticmethod
    def resolve_quantity(obj: InvoiceLine) -> str:
        return quantity_out(obj.quantity)

    @staticmethod
    def resolve_unit_price(obj: InvoiceLine) -> str:
        return unit_price_out(obj.unit_price, obj.invoice.currency)

    resolve_amount = money_resolver("amount", "invoice.currency")

    @staticmethod
    def resolve_tax_rate(obj: InvoiceLine) -> str:
        return rate_out(obj.tax_rate)


def unit_price_out(value: Decimal, currency: str) -> str:
    """A unit price with the currency's decimals, or more when it has more ("0.0125")."""
    rounded = quantize(value, currency)
    return str(rounded) if rounded == value else rate_out(value)


class TaxOut(Schema):
    name: str
    rate: str
    net: str
    tax: str

    @staticmethod
    def resolve_rate(obj: InvoiceTax) -> str:
        return rate_out(obj.rate)

    resolve_net = money_resolver("net", "invoice.currency")

    resolve_tax = money_resolver("tax", "invoice.currency")


MONEY_FIELDS = ("subtotal", "tax", "total", "credit_applied", "amount_paid", "balance")


class CreditNoteRef(Schema):
    id: int
    number: str
    issue_date: dt.date
    total: str

    resolve_total = money_resolver("total")


class InvoiceOut(Schema):
    id: int
    number: str | None = Field(description="none for a draft")
    kind: str
    status: str
    customer_id: int
    customer_name: str
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    lines: list[LineOut]
    taxes: list[TaxOut]
    subtotal: str
    tax: str
    total: str
    credit_applied: str
    amount_paid: str
    balance: str
    credited: str = Field(description="the total of its credit notes")
    credit_notes: list[CreditNoteRef]
    overdue: bool = Field(description="unpaid and past its due date")
    tax_treatment: str = Field(
        description="standard, reverse_charge, exempt, outside_scope or oss (decided at issue)"
    )
    tax_note: str = Field(description="the wording printed for the treatment")
    paid_on: dt.date | None
    void_reason: str
    notes: str
    created_at: dt.datetime
    attempts: list[AttemptOut] = Field(description="automatic charges tried, oldest first")
    amount_refunded: str = Field(
        description="money given back on this invoice's payments (refunds; the amounts above "
        "stay as issued)"
    )

    @staticmethod
    def resolve_amount_refunded(obj: Invoice) -> str:
        total = sum((refund.amount for refund in rows(obj, "refunds")), ZERO)
        return money_out(total, obj.currency)

    @staticmethod
    def resolve_customer_name(obj: Invoice) -> str:
        return str(obj.bill_to.get("name", ""))

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[InvoiceLine]:
        lines = rows(obj, "lines")
        for line in lines:
            line.invoice = obj  # its currency, without a query per line
        return lines

    @staticmethod
    def resolve_taxes(obj: Invoice) -> list[InvoiceTax]:
        taxes = rows(obj, "taxes")
        for tax in taxes:
            tax.invoice = obj
        return taxes

    resolve_subtotal = money_resolver("subtotal")

    resolve_tax = money_resolver("tax")

    resolve_total = money_resolver("total")

    resolve_credit_applied = money_resolver("credit_applied")

    resolve_amount_paid = money_resolver("amount_paid")

    resolve_balance = money_resolver("balance")

    resolve_credited = money_resolver("credited")

    @staticmethod
    def resolve_credit_notes(obj: Invoice) -> list[CreditNote]:
        return sorted(rows(obj, "credit_notes"), key=lambda note: note.sequence)

    @staticmethod
    def resolve_attempts(obj: Invoice) -> list[PaymentAttempt]:
        return rows(obj, "attempts")


class LineIn(Body):
    description: Filled = Field(max_length=500)
    quantity: Quantity = Field("1", description="more than 0, at most 1,000,000")
    unit_price: SignedMoney = Field(description="may be negative, e.g. for a discount line")


class InvoiceIn(Body):
    customer_id: Id
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    issue_date: Day | None = Field(None, description="default: today")
    due_date: Day | None = Field(None, description="default: issue date + payment terms")
    notes: Text = Field("", max_length=5000)


class VoidIn(Body):
    reason: Filled = Field(max_length=300)


class PaymentIn(Body):
    amount: Money = Field(description='the amount received; "0" to only apply credit')
    method: PaymentMethodChoice | None = Field(None, description="default: the customer's")
    date: Day | None = Field(None, description="the day it was received; default: today")
    reference: Text = Field("", max_length=200)
    apply_credit: Money = Field("0", description="account credit to use first")
    confirm_overpayment: bool = Field(
        False,
        description="true to keep a payment of more than twice the balance due (the excess "
        "becomes account credit); without it such a payment answers 409 "
        '"confirm_overpayment"',
    )


class PaymentOut(Schema):
    id: int
    currency: str
    amount: str
    method: str
    reference: str
    date: dt.date

    resolve_amount = money_resolver("amount")

    @staticmethod
    def resolve_date(obj: Payment) -> dt.date:
        return obj.received_on


class PaymentResult(Schema):
    invoice: InvoiceOut
    payment: PaymentOut | None = Field(description="none when only credit was applied")


def invoices(as_of: dt.date) -> QuerySet[Invoice]:
    """Invoices with their lines and taxes, and whether each is overdue as of a date."""
    overdue = overdue_q(as_of)
    return Invoice.objects.prefetch_related(
        *listed("lines", "taxes", "credit_notes", "attempts", "refunds")
    ).annotate(
        overdue=Case(
            When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


@router.get("/invoices", response=list[InvoiceOut])
@paginate(Page)
def invoice_list(
    request: HttpRequest,
    customer_id: Id | None = None,
    status: Annotated[str, OneOf(Invoice.Status.values, blank=True)] = "",
    overdue: bool | None = None,
) -> Any:
    """Invoices, newest first; filter by customer, status, and overdue (unpaid and past due)."""
    require(request, "invoices")
    today = clock.today()
    found = invoices(today)
    if customer_id is not None:
        found = found.filter(customer_id=customer_id)
    if status:
        found = found.filter(status=status)
    if overdue is not None:
        found = found.filter(overdue_q(today)) if overdue else found.exclude(overdue_q(today))
    return found.order_by("-issue_date", "-id")


@router.post("/invoices", response={201: InvoiceOut})
@idempotent
def invoice_post(request: HttpRequest, payload: InvoiceIn) -> Any:
    """Issue a manual invoice now: it gets its number and is emailed to the customer."""
    actor = require(request, "invoices")
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise NotFound(f"No customer with id {payload.customer_id}.", "customer_id")
    today = clock.today()
    invoice = invoice_create(
        actor=actor,
        customer=customer,
        lines=[line.model_dump() for line in payload.lines],
        issue_date=payload.issue_date or today,
        due_date=payload.due_date,
        notes=payload.notes,
    )
    return Status(201, invoices(today).get(pk=invoice.pk))


@router.get("/invoices/{id}", response=InvoiceOut)
def invoice_get(request: HttpRequest, id: int) -> Any:
    require(request, "invoices")
    return object_or_404(invoices(clock.today()), id, "invoice")


@router.post("/invoices/{id}/void", response=InvoiceOut)
@idempotent
def invoice_void_post(request: HttpRequest, id: int, payload: VoidIn) -> Any:
    """Void an invoice never emailed and never paid (credit it used goes back to the
    account). Any other answers 409 `issue_credit_note`: credit it with
    POST /invoices/{id}/credit-notes instead (the message says why, in plain words)."""
    actor = require(request, "invoices")
    invoice = object_or_404(Invoice, id, "invoice")
    today = clock.today()
    invoice_void(actor=actor, invoice=invoice, reason=payload.reason, on=today)
    return invoices(today).get(pk=invoice.pk)


@router.post("/invoices/{id}/payments", response={201: PaymentResult})
@idempotent
def invoice_payment_post(request: HttpRequest, id: int, payload: PaymentIn) -> Any:
    """Record money received (and/or use account credit) on an unpaid invoice. Credit is
    used first; an overpayment becomes account credit."""
    actor = require(request, "invoices")
    invoice = object_or_404(Invoice.objects.select_related("customer"), id, "invoice")
    today = clock.today()
    payment = payment_record(
        actor=actor,
        invoice=invoice,
        amount=payload.amount,
        method=payload.method or _manual_method(invoice.customer.payment_method),
        on=payload.date or today,
        reference=payload.reference,
        apply_credit=payload.apply_credit,
        confirm_overpayment=payload.confirm_overpayment,
    )
    return Status(201, {"invoice": invoices(today).get(pk=invoice.pk), "payment": payment})


def _manual_method(method: str) -> str:
    """The default for money recorded by hand: never 'automatic' (how invoices are
    collected), bank transfer instead."""
    return PaymentMethod.BANK_TRANSFER if method == PaymentMethod.AUTOMATIC else method


@router.get(
    "/invoices/{id}/pdf",
    response={200: None},
    openapi_extra=pdf_openapi("invoice"),
)
def invoice_pdf_get(request: HttpRequest, id: int) -> HttpResponse:
    """The invoice as a PDF, as an attachment named after its number."""
    require(request, "invoices")
    invoice = object_or_404(Invoice, id, "invoice")
    name = invoice.number or f"draft-{invoice.pk}"
    return attachment(invoice_pdf(invoice), "application/pdf", f"{name}.pdf")


@router.get(
    "/invoices/{id}/einvoice",
    response={200: None},
    openapi_extra=xml_openapi("The invoice as an EN 16931 e-invoice (XML)"),
)
def invoice_einvoice_get(request: HttpRequest, id: int, syntax: Text = "cii") -> HttpResponse:
    """The invoice as an EN 16931 e-invoice: `syntax=cii` (UN/CEFACT CII, the XML of
    Factur-X, EN16931 profile) or `syntax=ubl` (UBL 2.1, Peppol BIS Billing 3.0 shape).
    409 for a draft."""
    require(request, "invoices")
    invoice = object_or_404(Invoice, id, "invoice")
    name, xml = invoice_einvoice_file(invoice, syntax)
    return attachment(xml, "application/xml", name)
