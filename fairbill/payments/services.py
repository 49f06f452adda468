"""Payments and account credit: every write to money received and to the credit ledger.

Money operations on a customer lock the customer row first (then invoices by id), so the
credit balance read and the entry written can't race; the ledger never goes negative.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.aggregates import MoneySum
from fairbill.core.errors import InvalidInput, NeedsConfirmation, Refused
from fairbill.core.hooks import hook_call
from fairbill.core.limits import amount_check, date_in_window, overpayment_needs_confirmation
from fairbill.core.lookups import IdsIn
from fairbill.core.models import BusinessSettings
from fairbill.core.money import ZERO, format_money, parse_amount
from fairbill.core.services import event_record
from fairbill.core.totals import Delta, Key, Measure, cents
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.customers.services import customer_lock
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.totals import invoice_state, invoice_totals_change
from fairbill.payments.models import Allocation, CreditEntry, Payment

# Hooks (fairbill.core.hooks) the higher apps act on: emails, reinstating subscriptions.
CREDIT_ADDED = "credit.added"  # entry=
PAYMENT_RECEIVED = "payment.received"  # payment=, invoice=
INVOICE_PAID = "invoice.paid"  # actor=, invoice=, on=
INVOICE_VOIDED = "invoice.voided"  # actor=, invoice=, on=
# Before a void: a handler raises Refused if the invoice was emailed to anyone (invoice=).
INVOICE_VOID_CHECK = "invoice.void_check"
ISSUE_CREDIT_NOTE = "issue_credit_note"  # the error code of a refused void


def credit_balance(customer: Customer) -> Decimal:
    total = CreditEntry.objects.filter(customer=customer).aggregate(s=MoneySum("amount"))["s"]
    return total if total is not None else ZERO


def credit_balances(customer_ids: list[int]) -> dict[int, Decimal]:
    """Credit balances of many customers in one query (only those with entries)."""
    rows = (
        CreditEntry.objects.filter(IdsIn("customer_id", customer_ids))
        .values("customer_id")
        .annotate(s=MoneySum("amount"))
        .values_list("customer_id", "s")
    )
    return {customer_id: total for customer_id, total in rows if total}


@transaction.atomic
def credit_add(
    *,
    actor: Actor,
    customer: Customer,
    amount: Any,
    reason: str,
    on: date,
    kind: str = CreditEntry.Kind.ADDED,
    confirmed: bool = False,
    notify: bool = True,
) -> CreditEntry:
    """Add account credit (staff, with a reason; or a downgrade). Staff credit above the
    business's "confirm credit above" amount must be confirmed; `notify` emails the
    customer."""
    customer = customer_lock(customer.pk)
    value = parse_amount(amount, customer.currency, allow_zero=False)
    reason = _credit_checks(customer, value, reason, on, kind, confirmed, verb="added")
    entry = credit_entry_record(
        actor=actor, customer=customer, amount=value, kind=kind, reason=reason, on=on
    )
    if notify:
        hook_call(CREDIT_ADDED, entry=entry)
    return entry


@transaction.atomic
def credit_remove(
    *,
    actor: Actor,
    customer: Customer,
    amount: Any,
    reason: str,
    on: date,
    confirmed: bool = False,
) -> CreditEntry:
    """Correct account credit given by mistake: a negative ledger entry with the reason,
    never taking the balance below zero. No email is sent."""
    customer = customer_lock(customer.pk)
    value = parse_amount(amount, customer.currency, allow_zero=False)
    reason = _credit_checks(
        customer, value, reason, on, CreditEntry.Kind.REMOVED, confirmed, verb="removed"
    )
    balance = credit_balance(customer)
    if value > balance:
        raise Refused(
            f"amount: the customer has {format_money(balance, customer.currency)} of credit; "
            "no more than that can be removed.",
            "amount",
        )
    return credit_entry_record(
        actor=actor,
        customer=customer,
        amount=-value,
        kind=CreditEntry.Kind.REMOVED,
        reason=reason,
        on=on,
    )


def _credit_checks(
    customer: Customer,
    value: Decimal,
    reason: str,
    on: date,
    kind: str,
    confirmed: bool,
    *,
    verb: str,
) -> str:
    """The reason, once the amount, the date and the confirmation are acceptable."""
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one: its credit is on that one.")
    amount_check(value, kind="credit", currency=customer.currency, field="amount", label="amount")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"reason: say why the credit is {verb}.", "reason")
    date_in_window(on, field="on", label="date")
    threshold = BusinessSettings.load().credit_confirm_above
    by_staff = kind in (CreditEntry.Kind.ADDED, CreditEntry.Kind.REMOVED)
    if by_staff and value > threshold and not confirmed:
        raise NeedsConfirmation(
            f"{format_money(value, customer.currency)} of credit is more than "
            f"{format_money(threshold, customer.currency)}: confirm that this amount is "
            f"to be {verb}.",
            "amount",
        )
    return reason[:300]


def credit_entry_record(
    *,
    actor: Actor,
    customer: Customer,
    amount: Decimal,
    kind: str,
    reason: str,
    on: date,
    invoice: Invoice | None = None,
) -> CreditEntry:
    """Write one ledger entry and its Event (the customer is locked by the caller)."""
    entry = CreditEntry.objects.create(
        customer=customer,
        currency=customer.currency,
        amount=amount,
        kind=kind,
        reason=reason,
        invoice=invoice,
        created_on=on,
        created_at=clock.now(),
    )
    shown = format_money(abs(amount), customer.currency)
    removed = kind == CreditEntry.Kind.REMOVED
    event_record(
        actor=actor,
        action="credit.removed" if removed else "credit.added",
        subject=entry,
        customer_id=customer.pk,
        message=f"{shown} credit {'removed' if removed else 'added'}: {reason}",
        data={"amount": str(amount), "kind": kind, "balance": str(credit_balance(customer))},
    )
    return entry


def _invoice_for_money(invoice: Invoice) -> tuple[Customer, Invoice]:
    customer = customer_lock(invoice.customer_id)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.UNPAID:
        raise Refused(f"Invoice {invoice} is {invoice.status}: nothing is due on it.")
    return customer, invoice


def _use_credit(
    *, customer: Customer, invoice: Invoice, amount: Decimal, on: date, actor: Actor
) -> None:
    available = credit_balance(customer)
    if amount > available:
        shown = format_money(available, customer.currency)
        raise Refused(f"apply_credit: only {shown} of credit is available.", "apply_credit")
    if amount > invoice.balance:
        shown = format_money(invoice.balance, invoice.currency)
        raise Refused(f"apply_credit: the invoice balance is {shown}.", "apply_credit")
    credit_use(invoice=invoice, amount=amount, on=on, at=clock.now()).save()
    event_record(
        actor=actor,
        action="credit.applied",
        subject=invoice,
        customer_id=customer.pk,
        data={"amount": str(amount), "invoice": invoice.number},
    )


# The fields of an invoice that credit and settling read and move.
_MONEY_FIELDS = ("customer_id", "currency", "credit_applied", "balance", "status", "paid_on")


def credit_use_values(
    values: MutableMapping[str, Any], *, amount: Decimal, on: date, at: datetime
) -> dict[str, Any]:
    """The one rule of account credit going onto an invoice, given as its field values (a
    model's, or the billing run's rows): its credit applied and balance move, and the values
    of the ledger entry that pays for it are returned (reason and invoice left to the
    caller, who saves it once the invoice has its id). The caller checks the amount against
    the balance available, under the customer lock."""
    values["credit_applied"] += amount
    values["balance"] -= amount
    return {
        "customer_id": values["customer_id"],
        "currency": values["currency"],
        "amount": -amount,
        "kind": CreditEntry.Kind.APPLIED,
        "created_on": on,
        "created_at": at,
    }


def settle_values(values: MutableMapping[str, Any], on: date) -> bool:
    """The one rule of settling: an unpaid invoice whose balance reached 0 is paid (on that
    date); True if it just was."""
    if values["balance"] == 0 and values["status"] == Invoice.Status.UNPAID:
        values["status"] = Invoice.Status.PAID
        values["paid_on"] = on
        return True
    return False


def credit_use(*, invoice: Invoice, amount: Decimal, on: date, at: datetime) -> CreditEntry:
    """Account credit onto an invoice held as a model (credit_use_values; in memory: the
    caller saves the invoice) and the unsaved ledger entry that pays for it."""
    values = _money_values(invoice)
    entry = credit_use_values(values, amount=amount, on=on, at=at)
    _money_values_set(invoice, values)
    return CreditEntry(**entry, reason=_applied_to(invoice), invoice=invoice)


def _applied_to(invoice: Invoice) -> str:
    return f"Applied to invoice {invoice.number}"


def invoice_settle(invoice: Invoice, on: date) -> bool:
    """settle_values on an invoice held as a model (in memory: the caller saves it)."""
    values = _money_values(invoice)
    paid = settle_values(values, on)
    _money_values_set(invoice, values)
    return paid


def _money_values(invoice: Invoice) -> dict[str, Any]:
    return {name: getattr(invoice, name) for name in _MONEY_FIELDS}


def _money_values_set(invoice: Invoice, values: Mapping[str, Any]) -> None:
    for name in _MONEY_FIELDS:
        setattr(invoice, name, values[name])


@transaction.atomic
def credit_apply(*, actor: Actor, invoice: Invoice, amount: Any, on: date) -> Invoice:
    """Use account credit on an unpaid invoice."""
    customer, invoice = _invoice_for_money(invoice)
    before = invoice_state(invoice)
    value = parse_amount(amount, invoice.currency, field="apply_credit", allow_zero=False)
    _use_credit(customer=customer, invoice=invoice, amount=value, on=on, actor=actor)
    paid = invoice_settle(invoice, on)
    invoice.save(update_fields=["credit_applied", "balance", "status", "paid_on"])
    invoice_totals_change(before=before, invoice=invoice)
    if paid:
        _after_paid(actor=actor, invoice=invoice, on=on)
    return invoice


@transaction.atomic
def payment_record(
    *,
    actor: Actor,
    invoice: Invoice,
    amount: Any,
    method: str,
    on: date,
    reference: str = "",
    apply_credit: Any = "0",
    gateway: str = "",
    gateway_reference: str | None = None,
    confirm_overpayment: bool = False,
) -> Payment | None:
    """Record money received against an invoice, optionally using account credit first.

    Credit is applied first, then the payment; an overpayment becomes account credit.
    With a gateway reference the same payment is recorded once only (webhooks may repeat).
    A payment far above the balance (a typo, most often) must be confirmed
    (`confirm_overpayment`); a gateway's payment is money already received and is kept.
    Returns None when only credit was applied.
    """
    if gateway_reference:
        existing = Payment.objects.filter(
            gateway=gateway, gateway_reference=gateway_reference
        ).first()
        if existing is not None:
            return existing
    if method not in PaymentMethod.values:
        raise InvalidInput(
            f"method: '{method}' is not one of {', '.join(PaymentMethod.values)}.", "method"
        )
    if method == PaymentMethod.AUTOMATIC:
        raise InvalidInput(
            "method: say how the money was paid (bank transfer, cheque, cash, card, Direct "
            "Debit); 'automatic' is how invoices are collected, not a payment.",
            "method",
        )
    customer, invoice = _invoice_for_money(invoice)
    before = invoice_state(invoice)
    value = parse_amount(amount, invoice.currency, field="amount")
    credit = parse_amount(apply_credit or "0", invoice.currency, field="apply_credit")
    if value == 0 and credit == 0:
        raise InvalidInput("amount: give an amount paid or credit to apply.", "amount")
    if not gateway:
        amount_check(
            value, kind="payment", currency=invoice.currency, field="amount", label="amount"
        )
        date_in_window(on, field="on", label="date received")
        due = invoice.balance - credit
        if not confirm_overpayment and overpayment_needs_confirmation(value, due):
            raise NeedsConfirmation(
                f"amount: {format_money(value, invoice.currency)} is far more than the "
                f"{format_money(due, invoice.currency)} due on {invoice.number}; the "
                f"{format_money(value - due, invoice.currency)} over would become account "
                "credit. Confirm the overpayment if that is right.",
                "amount",
                code="confirm_overpayment",
            )
    if credit:
        _use_credit(customer=customer, invoice=invoice, amount=credit, on=on, actor=actor)
    payment = None
    if value:
        payment = Payment(
            customer=customer,
            currency=invoice.currency,
            amount=value,
            method=method,
            reference=(reference or "")[:200],
            received_on=on,
            gateway=gateway,
            gateway_reference=gateway_reference,
            created_at=clock.now(),
            created_by=actor.user if actor.kind in ("staff", "customer") else None,
        )
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError:
            raise Refused("This gateway payment was already recorded.") from None
        allocated = min(value, invoice.balance)
        if allocated:
            Allocation.objects.create(payment=payment, invoice=invoice, amount=allocated)
            invoice.amount_paid += allocated
            invoice.balance -= allocated
        excess = value - allocated
        if excess:
            CreditEntry.objects.create(
                customer=customer,
                currency=customer.currency,
                amount=excess,
                kind=CreditEntry.Kind.OVERPAYMENT,
                reason=f"Overpayment of invoice {invoice.number}",
                payment=payment,
                invoice=invoice,
                created_on=on,
                created_at=clock.now(),
            )
        event_record(
            actor=actor,
            action="payment.recorded",
            subject=payment,
            customer_id=customer.pk,
            message=f"{format_money(value, invoice.currency)} received for {invoice.number}",
            data={
                "invoice": invoice.number,
                "amount": str(value),
                "method": method,
                "allocated": str(allocated),
                "credit": str(excess),
                "reference": reference,
            },
        )
    paid = invoice_settle(invoice, on)
    invoice.save(update_fields=["credit_applied", "amount_paid", "balance", "status", "paid_on"])
    received = [] if payment is None else payment_deltas(payment)
    invoice_totals_change(before=before, invoice=invoice, also=received)
    if payment is not None:
        hook_call(PAYMENT_RECEIVED, payment=payment, invoice=invoice)
    if paid:
        _after_paid(actor=actor, invoice=invoice, on=on)
    return payment


def payment_deltas(payment: Payment) -> list[Delta]:
    """What a payment received adds to the daily totals (per method, on the day received).
    Whatever else changes these figures (a refund) adds its own deltas, and the
    recomputation in reports/totals.py counts it the same way."""
    key = Key(payment.currency, Measure.PAYMENTS, payment.received_on, payment.method)
    return [Delta(key, 1, total=cents(payment.amount))]


def _after_paid(*, actor: Actor, invoice: Invoice, on: date) -> None:
    event_record(
        actor=actor,
        action="invoice.paid",
        subject=invoice,
        customer_id=invoice.customer_id,
        data={"number": invoice.number},
    )
    hook_call(INVOICE_PAID, actor=actor, invoice=invoice, on=on)


def void_check(invoice: Invoice) -> None:
    """Refuse to void an invoice that was paid, credited or sent: issue a credit note."""
    why = ""
    if invoice.amount_paid > 0 or Allocation.objects.filter(invoice=invoice).exists():
        why = "it has a payment"
    elif invoice.credited > 0 or invoice.status == Invoice.Status.CREDITED:
        why = "it has credit notes"
    if why:
        raise Refused(_void_refusal(invoice, why), code=ISSUE_CREDIT_NOTE)
    try:
        hook_call(INVOICE_VOID_CHECK, invoice=invoice)
    except Refused as exc:
        raise Refused(_void_refusal(invoice, exc.message), code=ISSUE_CREDIT_NOTE) from None


def invoice_void_refusal(invoice: Invoice) -> str:
    """Why this invoice can't be voided ("" when it can): for pages that offer a void only
    where it is allowed, and "Credit…" otherwise."""
    try:
        void_check(invoice)
    except Refused as exc:
        return exc.message
    return ""


def _void_refusal(invoice: Invoice, why: str) -> str:
    # Plain words for every caller: the back office shows its Credit… button next to it,
    # the API its code `issue_credit_note` (docs/api.md names the endpoint).
    return f"Invoice {invoice.number} can't be voided: {why}. Issue a credit note instead."


@transaction.atomic
def invoice_void(*, actor: Actor, invoice: Invoice, reason: str, on: date) -> Invoice:
    """Void an issued invoice that was never sent to anyone and has no payment (a mistake
    caught in time); any other is corrected by a credit note. Credit it used goes back to
    the account. Its lines stay, so its periods are not billed again."""
    customer = customer_lock(invoice.customer_id)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.VOID:
        raise Refused(f"Invoice {invoice} is already void.")
    if invoice.status == Invoice.Status.DRAFT:
        raise Refused("A draft has no number; delete it instead.")
    void_check(invoice)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason: say why the invoice is voided.", "reason")
    returned = invoice.credit_applied + invoice.amount_paid
    if returned > 0:
        CreditEntry.objects.create(
            customer=customer,
            currency=invoice.currency,
            amount=returned,
            kind=CreditEntry.Kind.RELEASED,
            reason=f"Invoice {invoice.number} voided",
            invoice=invoice,
            created_on=on,
            created_at=clock.now(),
        )
    before = invoice.status
    counted = invoice_state(invoice)
    invoice.status = Invoice.Status.VOID
    invoice.balance = ZERO  # amounts paid and credit used stay on record
    invoice.voided_at = clock.now()
    invoice.void_reason = reason[:300]
    invoice.save()
    invoice_totals_change(before=counted, invoice=invoice)
    event_record(
        actor=actor,
        action="invoice.voided",
        subject=invoice,
        customer_id=customer.pk,
        message=f"Invoice {invoice.number} voided: {reason}",
        data={"status": [before, "void"], "returned_as_credit": str(returned)},
    )
    hook_call(INVOICE_VOIDED, actor=actor, invoice=invoice, on=on)
    return invoice
