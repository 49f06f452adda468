"""Estimates (quotes): numbered on their own sequence, turned into an invoice when accepted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import BusinessSettings
from fairbill.core.numbering import ESTIMATE, number_format, numbers_take
from fairbill.core.services import event_record
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_lock
from fairbill.invoicing.calculations import LineInput, invoice_totals
from fairbill.invoicing.models import Estimate, EstimateLine, Invoice
from fairbill.invoicing.services import invoice_create, line_specs_parse
from fairbill.invoicing.tax import tax_for_customer

ESTIMATE_PREFIX = "EST-"


@transaction.atomic
def estimate_create(
    *,
    actor: Actor,
    customer: Customer,
    lines: Iterable[Mapping[str, Any]],
    issue_date: date,
    valid_until: date | None = None,
    notes: str = "",
) -> Estimate:
    """A quote with lines taxed as an invoice would be."""
    customer = customer_lock(customer.pk)
    specs = line_specs_parse(lines, customer.currency)
    if valid_until is not None and valid_until < issue_date:
        raise InvalidInput("valid until: can't be before the issue date.", "valid_until")
    tax = tax_for_customer(customer)
    inputs = [LineInput(s.quantity, s.unit_price, tax.rate, tax.name) for s in specs]
    totals = invoice_totals(inputs, customer.currency)
    if totals.total < 0:
        raise InvalidInput("total: an estimate can't be negative.", "lines")
    business = BusinessSettings.load()
    [sequence] = numbers_take(name=ESTIMATE, count=1)
    estimate = Estimate.objects.create(
        customer=customer,
        number=number_format(ESTIMATE_PREFIX, sequence, business.invoice_number_padding),
        currency=customer.currency,
        issue_date=issue_date,
        valid_until=valid_until,
        subtotal=totals.subtotal,
        tax=totals.tax,
        total=totals.total,
        notes=notes,
        created_at=clock.now(),
    )
    EstimateLine.objects.bulk_create(
        EstimateLine(
            estimate=estimate,
            position=n,
            description=s.description,
            quantity=s.quantity,
            unit_price=s.unit_price,
            amount=amount,
            tax_name=line.tax_name,
            tax_rate=line.tax_rate,
        )
        for n, (s, line, amount) in enumerate(
            zip(specs, inputs, totals.line_amounts, strict=True), start=1
        )
    )
    event_record(
        actor=actor,
        action="estimate.created",
        subject=estimate,
        customer_id=customer.pk,
        data={"number": estimate.number, "total": str(estimate.total)},
    )
    return estimate


@transaction.atomic
def estimate_set_status(*, actor: Actor, estimate: Estimate, status: str) -> Estimate:
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    allowed = {Estimate.Status.SENT, Estimate.Status.ACCEPTED, Estimate.Status.DECLINED}
    if status not in allowed:
        raise InvalidInput("status: sent, accepted or declined.", "status")
    if estimate.status == Estimate.Status.INVOICED:
        raise Refused(f"Estimate {estimate.number} is already invoiced.")
    before = estimate.status
    estimate.status = status
    estimate.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="estimate.status_changed",
        subject=estimate,
        customer_id=estimate.customer_id,
        data={"status": [before, status]},
    )
    return estimate


@transaction.atomic
def estimate_convert(*, actor: Actor, estimate: Estimate, issue_date: date) -> Invoice:
    """Turn an estimate into a manual invoice with the same lines (taxed as of today)."""
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.invoice_id:
        raise Refused(f"Estimate {estimate.number} was already turned into an invoice.")
    if estimate.status == Estimate.Status.DECLINED:
        raise Refused(f"Estimate {estimate.number} was declined.")
    invoice = invoice_create(
        actor=actor,
        customer=estimate.customer,
        issue_date=issue_date,
        notes=f"From estimate {estimate.number}",
        lines=[
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in estimate.lines.all()
        ],
    )
    estimate.invoice = invoice
    estimate.status = Estimate.Status.INVOICED
    estimate.save(update_fields=["invoice", "status"])
    event_record(
        actor=actor,
        action="estimate.invoiced",
        subject=estimate,
        customer_id=estimate.customer_id,
        data={"number": estimate.number, "invoice": invoice.number},
    )
    return invoice
