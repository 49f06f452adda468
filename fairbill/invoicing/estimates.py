"""Estimates (quotes): numbered on their own sequence (EST-), taxed as an invoice would be,
sent to the customer, then accepted — it becomes a manual invoice in the same transaction,
exactly once — or declined. An estimate past its valid-until day can't be accepted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.hooks import hook_call
from fairbill.core.limits import date_in_window
from fairbill.core.models import BusinessSettings
from fairbill.core.money import MAX_AMOUNT, format_money
from fairbill.core.numbering import ESTIMATE, number_format, numbers_take
from fairbill.core.services import event_record
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_lock
from fairbill.invoicing.calculations import LineInput, invoice_totals
from fairbill.invoicing.documents import LineSpec
from fairbill.invoicing.models import Estimate, EstimateLine, Invoice
from fairbill.invoicing.services import invoice_issue, line_specs_parse
from fairbill.invoicing.tax import tax_for_customer, vat_checks_refresh

ESTIMATE_PREFIX = "EST-"
ESTIMATE_SENT = "estimate.sent"  # hook: estimate= (the email with the PDF)
OPEN = (Estimate.Status.DRAFT, Estimate.Status.SENT)


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
    """A draft quote with lines [{description, quantity, unit_price}], taxed as an invoice
    to this customer would be today. Lines are checked as a manual invoice's are."""
    customer = customer_lock(customer.pk)
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one; quote that one.")
    specs = line_specs_parse(lines, customer.currency)
    date_in_window(issue_date, field="issue_date", label="issue date")
    if valid_until is not None:
        date_in_window(valid_until, field="valid_until", label="valid until")
        if valid_until < issue_date:
            raise InvalidInput("valid until: can't be before the issue date.", "valid_until")
    tax = tax_for_customer(customer, issue_date)
    inputs = [LineInput(s.quantity, s.unit_price, tax.rate, tax.name) for s in specs]
    totals = invoice_totals(inputs, customer.currency)
    if totals.total < 0:
        raise InvalidInput("total: an estimate can't be negative.", "lines")
    amounts = [totals.subtotal, totals.total, *totals.line_amounts]
    if any(abs(amount) > MAX_AMOUNT for amount in amounts):
        raise InvalidInput(f"total: an estimate can't be more than {MAX_AMOUNT}.", "lines")
    business = BusinessSettings.load()
    [sequence] = numbers_take(name=ESTIMATE, count=1)
    estimate = Estimate.objects.create(
        customer=customer,
        number=number_format(ESTIMATE_PREFIX, sequence, business.invoice_number_padding),
        status=Estimate.Status.DRAFT,
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
        message=f"Estimate {estimate.number} for {format_money(estimate.total, estimate.currency)}",
        data={"number": estimate.number, "total": str(estimate.total)},
    )
    return estimate


def _locked(estimate: Estimate) -> Estimate:
    return (
        Estimate.objects.select_related("customer")
        .select_for_update(of=("self",))
        .get(pk=estimate.pk)
    )


def _check_open(estimate: Estimate, as_of: date, action: str) -> None:
    """Refuse to act on an estimate that was already answered (or has expired)."""
    if estimate.status == Estimate.Status.ACCEPTED:
        number = estimate.invoice.number if estimate.invoice else ""
        raise Refused(
            f"Estimate {estimate.number} was already accepted (invoice {number}).",
            code="already_accepted",
        )
    if estimate.status == Estimate.Status.DECLINED:
        raise Refused(f"Estimate {estimate.number} was declined.", code="declined")
    if action != "decline" and estimate.is_expired(as_of):
        raise Refused(
            f"Estimate {estimate.number} expired on {estimate.valid_until:%-d %b %Y}; "
            "ask for a new estimate.",
            code="expired",
        )


@transaction.atomic
def estimate_send(*, actor: Actor, estimate: Estimate, on: date) -> Estimate:
    """Email the estimate (with its PDF) to the customer; it becomes `sent`. Sending it
    again sends another email."""
    estimate = _locked(estimate)
    _check_open(estimate, on, "send")
    before = estimate.status
    estimate.status = Estimate.Status.SENT
    estimate.sent_at = clock.now()
    estimate.save(update_fields=["status", "sent_at"])
    event_record(
        actor=actor,
        action="estimate.sent",
        subject=estimate,
        customer_id=estimate.customer_id,
        message=f"Estimate {estimate.number} sent to {estimate.customer.email}",
        data={"number": estimate.number, "status": [before, estimate.status]},
    )
    hook_call(ESTIMATE_SENT, estimate=estimate)
    return estimate


def estimate_accept(*, actor: Actor, estimate: Estimate, on: date) -> Invoice:
    """Accept the estimate: a manual invoice with its lines is issued (numbered, emailed)
    and the estimate refers to it, in one transaction. A second accept is refused, as are
    declined and expired estimates. The invoice is taxed as of `on`; if that no longer gives
    the estimate's total (a tax rate changed), nothing is written and the estimate must be
    made again. When a reverse charge may apply, the VAT number is checked first (an HTTP
    call, before the transaction), as for any manual invoice."""
    vat_checks_refresh(
        actor=actor,
        customer_ids=[estimate.customer_id],
        as_of=on,
        business=BusinessSettings.load(),
    )
    return _estimate_accept(actor=actor, estimate=estimate, on=on)


@transaction.atomic
def _estimate_accept(*, actor: Actor, estimate: Estimate, on: date) -> Invoice:
    # Lock order: the customer, then the estimate (docs/billing.md).
    customer = customer_lock(estimate.customer_id)
    estimate = _locked(estimate)
    _check_open(estimate, on, "accept")
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one; quote that one.")
    notes = f"From estimate {estimate.number}."
    if estimate.notes:
        notes = f"{notes}\n{estimate.notes}"
    invoice = invoice_issue(
        actor=actor,
        customer=customer,
        kind=Invoice.Kind.MANUAL,
        specs=[
            LineSpec(description=li.description, quantity=li.quantity, unit_price=li.unit_price)
            for li in estimate.lines.all()
        ],
        issue_date=on,
        notes=notes,
    )
    if invoice.total != estimate.total:
        # Raising rolls the invoice back (its number too: the counter is in this transaction).
        raise Refused(
            f"Estimate {estimate.number} totals "
            f"{format_money(estimate.total, estimate.currency)} but an invoice today would be "
            f"{format_money(invoice.total, invoice.currency)} (the tax changed); "
            "make a new estimate.",
            code="total_changed",
        )
    before = estimate.status
    estimate.invoice = invoice
    estimate.status = Estimate.Status.ACCEPTED
    estimate.decided_at = clock.now()
    estimate.save(update_fields=["invoice", "status", "decided_at"])
    event_record(
        actor=actor,
        action="estimate.accepted",
        subject=estimate,
        customer_id=estimate.customer_id,
        message=f"Estimate {estimate.number} accepted: invoice {invoice.number}",
        data={
            "number": estimate.number,
            "invoice": invoice.number,
            "invoice_id": invoice.pk,
            "status": [before, estimate.status],
        },
    )
    return invoice


@transaction.atomic
def estimate_decline(*, actor: Actor, estimate: Estimate, on: date, reason: str = "") -> Estimate:
    """The customer said no (or staff record that they did); an expired estimate can be
    declined too. A declined estimate can't be accepted."""
    reason = reason.strip()
    if len(reason) > 500:
        raise InvalidInput("reason: at most 500 characters.", "reason")
    estimate = _locked(estimate)
    _check_open(estimate, on, "decline")
    before = estimate.status
    estimate.status = Estimate.Status.DECLINED
    estimate.decline_reason = reason
    estimate.decided_at = clock.now()
    estimate.save(update_fields=["status", "decline_reason", "decided_at"])
    event_record(
        actor=actor,
        action="estimate.declined",
        subject=estimate,
        customer_id=estimate.customer_id,
        message=f"Estimate {estimate.number} declined" + (f": {reason}" if reason else ""),
        data={"number": estimate.number, "reason": reason, "status": [before, estimate.status]},
    )
    return estimate
