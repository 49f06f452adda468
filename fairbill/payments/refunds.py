"""Refunds and disputes of payments.

A refund gives back all or part of what is left of a payment (never more): through the
gateway for an online payment (with an idempotency key, so a repeated request refunds once),
or recorded only for money staff send back by bank transfer. The accounting of a refund is
kept in one function, `refund_account`: the part of the payment that became unused account
credit (an overpayment, never invoiced) leaves the credit ledger first; the rest is credited
on the invoice by a credit note for exactly that amount, tax included, whose refund is this
one (the payment's method, the gateway's refund id): what the invoice received and credited
goes up by the same amount, so what is due stays as it was (a refund never chases the
customer for money given back on purpose). The credit note's request key is the refund's,
so a refund is credited once.

A dispute (chargeback) is recorded on the payment and its invoice; a lost one takes the
amount back from what the invoice received, so the invoice is due again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.aggregates import MoneySum
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.money import ZERO, format_money, parse_amount
from fairbill.core.services import event_record
from fairbill.customers.services import customer_lock
from fairbill.invoicing.models import CreditNote, Invoice
from fairbill.invoicing.totals import invoice_state, invoice_totals_change
from fairbill.payments.credit_notes import credit_note_issue, credit_note_preview
from fairbill.payments.gateways.base import Gateway
from fairbill.payments.models import Allocation, CreditEntry, Dispute, Payment, Refund
from fairbill.payments.services import credit_balance


@dataclass(frozen=True)
class RefundPlan:
    """What a refund would do: shown to staff before confirming, and checked again when it
    is made (what is reviewed is what is written)."""

    amount: Decimal
    left: Decimal  # of the payment, before this refund
    credit_removed: Decimal  # unused account credit the payment had become
    invoice_part: Decimal  # the rest: credited on the invoice by a credit note
    invoice_id: int | None


def refunded(payment: Payment) -> Decimal:
    total = Refund.objects.filter(payment=payment).aggregate(s=MoneySum("amount"))["s"]
    return total if total is not None else ZERO


def _lost(payment: Payment) -> Decimal:
    total = Dispute.objects.filter(payment=payment, status=Dispute.Status.LOST).aggregate(
        s=MoneySum("amount")
    )["s"]
    return total if total is not None else ZERO


def refundable(payment: Payment) -> Decimal:
    """What is left of a payment to refund: less what was refunded and lost in disputes."""
    return max(payment.amount - refunded(payment) - _lost(payment), ZERO)


def refund_preview(*, payment: Payment, amount: Any) -> RefundPlan:
    value = parse_amount(amount, payment.currency, field="amount", allow_zero=False)
    left = refundable(payment)
    if value > left:
        raise Refused(
            f"amount: only {format_money(left, payment.currency)} of this payment is left to "
            "refund.",
            "amount",
            code="refund_too_large",
        )
    overpaid = (
        CreditEntry.objects.filter(payment=payment, kind=CreditEntry.Kind.OVERPAYMENT).aggregate(
            s=MoneySum("amount")
        )["s"]
        or ZERO
    )
    taken = (
        CreditEntry.objects.filter(payment=payment, kind=CreditEntry.Kind.REMOVED).aggregate(
            s=MoneySum("amount")
        )["s"]
        or ZERO
    )
    from_credit = max(min(value, overpaid + taken, credit_balance(payment.customer)), ZERO)
    allocation = Allocation.objects.filter(payment=payment).order_by("pk").first()
    invoice = allocation.invoice if allocation is not None else None
    creditable = _creditable(invoice)
    if allocation is not None:  # never more than this payment put on the invoice
        creditable = min(creditable, allocation.amount - _credited_by_refunds(payment))
    if value - from_credit > creditable:
        most = format_money(from_credit + creditable, payment.currency)
        where = f"invoice {invoice.number}" if invoice is not None else "no invoice"
        raise Refused(
            f"amount: at most {most} of this payment can be refunded: "
            f"{format_money(from_credit, payment.currency)} of unused account credit it "
            f"became, and {format_money(creditable, payment.currency)} that can still be "
            f"credited on {where} for it (the rest was credited already, or is account credit "
            "given back or used: that is the customer's).",
            "amount",
            code="refund_too_large",
        )
    if invoice is not None and value > from_credit:
        credit_note_preview(invoice=invoice, gross=value - from_credit)  # it can be credited
    return RefundPlan(
        amount=value,
        left=left,
        credit_removed=from_credit,
        invoice_part=value - from_credit,
        invoice_id=invoice.pk if invoice is not None else None,
    )


def _credited_by_refunds(payment: Payment) -> Decimal:
    """What earlier refunds of this payment credited on its invoice (their notes)."""
    keys = [
        f"refund-{pk}" for pk in Refund.objects.filter(payment=payment).values_list("pk", flat=True)
    ]
    found = CreditNote.objects.filter(request_key__in=keys).aggregate(s=MoneySum("total"))["s"]
    return found if found is not None else ZERO


def _creditable(invoice: Invoice | None) -> Decimal:
    """What a refund's credit note may credit on the invoice: what is left to credit, and no
    more than was paid on it in money and not given back yet."""
    if invoice is None or invoice.status not in (Invoice.Status.UNPAID, Invoice.Status.PAID):
        return ZERO
    refunded_before = (
        CreditNote.objects.filter(invoice=invoice).aggregate(s=MoneySum("refunded"))["s"] or ZERO
    )
    return max(min(invoice.total - invoice.credited, invoice.amount_paid - refunded_before), ZERO)


# The request key of the credit note a payment's refund issues ("refund-<refund id>"): that
# note's refund is the Refund's money, not more (reports count it once).
REFUND_NOTE_KEY = "refund-"


def payment_refund(
    *,
    actor: Actor,
    payment: Payment,
    amount: Any,
    reason: str,
    on: date,
    gateway: Gateway | None,
    request_key: str = "",
    expected: RefundPlan | None = None,
) -> Refund:
    """Refund all or part of a payment. An online payment is refunded at its gateway first
    (outside the transaction: an HTTP call) with an idempotency key. `request_key` names the
    request (the back-office form's one-time token, the API's Idempotency-Key): it is the
    gateway's idempotency key and is kept on the refund, so the same request sent again
    returns the refund it made and refunds nothing more. Without one, the key is made from
    the payment and what was refunded before (two concurrent identical calls refund once)."""
    if request_key:
        existing = refund_of_request(payment, request_key)
        if existing is not None:
            return existing
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason: say why the payment is refunded.", "reason")
    plan = refund_preview(payment=payment, amount=amount)
    if expected is not None and expected != plan:
        raise Refused("The payment changed since the refund was reviewed: review it again.")
    reference = None
    if payment.gateway_reference:
        if gateway is None or gateway.name != payment.gateway:
            raise Refused(f"This payment was taken through {payment.gateway}, which is not on.")
        if request_key:
            key = _gateway_key(payment, request_key)
        else:
            done = Refund.objects.filter(payment=payment).count()
            key = f"fairbill-refund-{payment.pk}-{done + 1}-{plan.amount}"
        reference = gateway.refund(
            payment_reference=payment.gateway_reference,
            amount=plan.amount,
            currency=payment.currency,
            idempotency_key=key,
        )
    return refund_record(
        actor=actor,
        payment=payment,
        plan=plan,
        reason=reason,
        on=on,
        reference=reference,
        request_key=request_key,
    )


def refund_of_request(payment: Payment, request_key: str) -> Refund | None:
    """The refund this request already made on the payment, if any."""
    return Refund.objects.filter(payment=payment, request_key=request_key).first()


def _gateway_key(payment: Payment, request_key: str) -> str:
    digest = hashlib.sha256(f"{payment.pk}:{request_key}".encode()).hexdigest()
    return f"fairbill-refund-{payment.pk}-{digest}"


@transaction.atomic
def refund_record(
    *,
    actor: Actor,
    payment: Payment,
    plan: RefundPlan,
    reason: str,
    on: date,
    reference: str | None,
    request_key: str = "",
) -> Refund:
    customer_lock(payment.customer_id)
    if request_key:
        existing = refund_of_request(payment, request_key)
        if existing is not None:
            return existing  # the same request, sent again meanwhile
    if reference:
        existing = Refund.objects.filter(gateway_reference=reference).first()
        if existing is not None:
            return existing  # the gateway answered a repeated request with the same refund
    if plan.amount > refundable(payment):
        raise Refused("Another refund was made meanwhile: review it again.")
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                payment=payment,
                invoice_id=plan.invoice_id,
                amount=plan.amount,
                currency=payment.currency,
                reason=reason[:300],
                gateway_reference=reference,
                request_key=request_key or None,
                created_on=on,
                created_at=clock.now(),
                created_by=actor.user if actor.kind in ("staff", "api") else None,
            )
    except IntegrityError:
        if request_key:
            return Refund.objects.get(payment=payment, request_key=request_key)
        return Refund.objects.get(gateway_reference=reference)
    note = refund_account(actor=actor, refund=refund, plan=plan, on=on)
    event_record(
        actor=actor,
        action="payment.refunded",
        subject=payment,
        customer_id=payment.customer_id,
        message=f"{format_money(plan.amount, payment.currency)} refunded: {reason}",
        data={
            "refund": refund.pk,
            "amount": str(plan.amount),
            "credit_removed": str(plan.credit_removed),
            "invoice_part": str(plan.invoice_part),
            "credit_note": note.number if note is not None else "",
            "gateway_reference": reference or "",
        },
    )
    return refund


def refund_account(
    *, actor: Actor, refund: Refund, plan: RefundPlan, on: date
) -> CreditNote | None:
    """The accounting of a refund: the part that had become account credit leaves the
    credit ledger (never invoiced: no credit note); the rest is credited on the invoice by a
    credit note of exactly that amount whose refund is this one. Returns the note."""
    if plan.credit_removed > 0:
        CreditEntry.objects.create(
            customer_id=refund.payment.customer_id,
            currency=refund.currency,
            amount=-plan.credit_removed,
            kind=CreditEntry.Kind.REMOVED,
            reason=f"Refunded (payment {refund.payment_id})",
            payment=refund.payment,
            created_on=on,
            created_at=clock.now(),
        )
    if plan.invoice_part <= 0 or plan.invoice_id is None:
        return None
    payment = refund.payment
    invoice = Invoice.objects.get(pk=plan.invoice_id)
    return credit_note_issue(
        actor=actor,
        invoice=invoice,
        reason=f"Refund of payment {payment.pk}: {refund.reason}",
        # never dated before its invoice (one issued ahead of its date)
        on=max(on, invoice.issue_date) if invoice.issue_date else on,
        gross=plan.invoice_part,
        refund={"method": payment.method, "date": on, "reference": refund.gateway_reference or ""},
        refund_only=True,
        request_key=f"{REFUND_NOTE_KEY}{refund.pk}",
    )


def payment_for_gateway(*, gateway: str, reference: str) -> Payment | None:
    """The payment a gateway's PaymentIntent (or other reference) names: a charge's own
    reference, or the PaymentIntent of a Checkout payment (whose reference is the session)."""
    if not reference:
        return None
    return (
        Payment.objects.filter(gateway=gateway)
        .filter(Q(gateway_reference=reference) | Q(gateway_intent=reference))
        .order_by("pk")
        .first()
    )


@transaction.atomic
def dispute_record(
    *,
    actor: Actor,
    payment: Payment,
    reference: str,
    amount: Decimal,
    reason: str,
    status: str,
    on: date,
) -> Dispute:
    """Record a dispute as the gateway reports it now (opened, won or lost), once per
    dispute; a lost one takes its amount back from what the invoice received."""
    customer_lock(payment.customer_id)
    dispute = Dispute.objects.select_for_update().filter(gateway_reference=reference).first()
    allocation = Allocation.objects.filter(payment=payment).order_by("pk").first()
    if dispute is None:
        dispute = Dispute.objects.create(
            payment=payment,
            invoice_id=allocation.invoice_id if allocation is not None else None,
            gateway_reference=reference,
            amount=amount,
            currency=payment.currency,
            reason=reason[:60],
            opened_at=clock.now(),
        )
        event_record(
            actor=actor,
            action="payment.disputed",
            subject=payment,
            customer_id=payment.customer_id,
            message=f"{format_money(amount, payment.currency)} disputed ({reason})",
            data={"dispute": reference, "amount": str(amount), "reason": reason},
        )
    if status not in (Dispute.Status.WON, Dispute.Status.LOST) or dispute.status != "open":
        return dispute
    dispute.status = status
    dispute.closed_at = clock.now()
    dispute.save(update_fields=["status", "closed_at"])
    reopened = ZERO
    if status == Dispute.Status.LOST and dispute.invoice_id is not None:
        reopened = _reopen(dispute.invoice_id, dispute.amount)
    event_record(
        actor=actor,
        action="dispute.closed",
        subject=payment,
        customer_id=payment.customer_id,
        message=f"Dispute {reference} {status}"
        + (f": {format_money(reopened, payment.currency)} due again" if reopened else ""),
        data={"dispute": reference, "status": status, "reopened": str(reopened)},
    )
    return dispute


def _reopen(invoice_id: int, amount: Decimal) -> Decimal:
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.status not in (Invoice.Status.PAID, Invoice.Status.UNPAID):
        return ZERO
    before = invoice_state(invoice)
    taken = min(amount, invoice.amount_paid)
    invoice.amount_paid -= taken
    invoice.balance += taken
    if invoice.balance > 0 and invoice.status == Invoice.Status.PAID:
        invoice.status = Invoice.Status.UNPAID
        invoice.paid_on = None
    invoice.save(update_fields=["amount_paid", "balance", "status", "paid_on"])
    invoice_totals_change(before=before, invoice=invoice)
    return taken
