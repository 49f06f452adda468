"""Collecting invoices from saved methods on their due dates, and retrying declines.

The order of a charge (docs/payments.md, "Automatic payments"):
1. an attempt is written and committed (`scheduled`) before the gateway is called; its id
   is the gateway's idempotency key;
2. under the customer's lock the invoice is read again (still unpaid, something due, no
   other attempt open or succeeded), the attempt becomes `submitted` and the gateway is
   called while the lock is held, so a payment recorded by staff (which takes the same
   lock) either comes first and the charge is not made, or waits and finds the invoice paid;
3. the answer is applied in the same transaction: `succeeded` records the payment through
   payments.services (settles, reinstates, receipt), `pending` (Direct Debit processing)
   waits for the webhook, `failed` keeps the decline, `unknown` (time-out, 5xx) is asked
   again before anything else is tried.
An attempt left open by a crash or a time-out is resolved by sending the same request with
the same key (the gateway answers what it did the first time, or does it now: once either
way), or by reading the PaymentIntent when its id is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.hooks import hook_call
from fairbill.core.models import BusinessSettings
from fairbill.core.money import format_money
from fairbill.core.services import event_record
from fairbill.customers.models import Customer, PaymentMethod
from fairbill.customers.services import customer_lock
from fairbill.invoicing.models import Invoice
from fairbill.payments.decline import FinalFailure, failure_final
from fairbill.payments.gateways.base import Charge, ChargeRequest, Gateway, GatewayPayment
from fairbill.payments.gateways.services import gateway_payment_record
from fairbill.payments.methods import default_method
from fairbill.payments.models import PaymentAttempt, SavedPaymentMethod
from fairbill.payments.services import credit_apply, credit_balance

State = PaymentAttempt.State
# Hooks (emails, in notifications): attempt=
CHARGE_FAILED = "charge.failed"
CHARGE_NEEDS_ACTION = "charge.needs_action"

# How long the gateway is sure to remember an idempotency key: Stripe keeps them for at least
# 24 hours. An hour less, for clocks that differ.
KEY_KEPT = timedelta(hours=23)
CLOSE_REASON_MAX = 200


class NothingToCharge(Refused):
    """The invoice can't be charged now (said why)."""

    code = "nothing_to_charge"


@dataclass
class CollectionReport:
    charged: int = 0
    succeeded: int = 0
    pending: int = 0
    failed: int = 0
    unknown: int = 0
    resolved: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, attempt: PaymentAttempt) -> None:
        if attempt.state == State.SUCCEEDED:
            self.succeeded += 1
        elif attempt.state == State.PENDING:
            self.pending += 1
        elif attempt.state == State.FAILED:
            self.failed += 1
        elif attempt.state == State.UNKNOWN:
            self.unknown += 1


def retry_days(business: BusinessSettings) -> list[int]:
    return sorted({int(d) for d in business.charge_retry_days or []})


def charge_due_on(
    *, due_date: date, failures: list[PaymentAttempt], schedule: list[int]
) -> date | None:
    """When the next try on an invoice falls, given the failed attempts on the customer's
    current method (oldest first); None when no more tries are to be made: a final failure
    (a new method starts again), or the schedule spent."""
    if not failures:
        return due_date
    if failures[-1].final or len(failures) > len(schedule):
        return None
    return due_date + timedelta(days=schedule[len(failures) - 1])


def _failures(invoice_id: int, method: SavedPaymentMethod) -> list[PaymentAttempt]:
    return list(
        PaymentAttempt.objects.filter(
            invoice_id=invoice_id, method=method, state=State.FAILED
        ).order_by("number")
    )


def next_try_on(attempt: PaymentAttempt) -> date | None:
    """The day a failed attempt is tried again (None: not again with this method)."""
    due_date = Invoice.objects.values_list("due_date", flat=True).get(pk=attempt.invoice_id)
    if due_date is None:
        return None
    schedule = retry_days(BusinessSettings.load())
    failures = _failures(attempt.invoice_id, attempt.method)
    return charge_due_on(due_date=due_date, failures=failures, schedule=schedule)


def invoices_to_charge(*, as_of: date) -> list[int]:
    """Unpaid invoices due by `as_of` of customers paying automatically with a default
    method, whose next try (first, or a retry on the schedule) has come."""
    schedule = retry_days(BusinessSettings.load())
    candidates = (
        Invoice.objects.filter(
            status=Invoice.Status.UNPAID,
            balance__gt=0,
            due_date__lte=as_of,
            customer__payment_method=PaymentMethod.AUTOMATIC,
            customer__saved_payment_methods__is_default=True,
            customer__saved_payment_methods__removed_at__isnull=True,
        )
        .exclude(attempts__state__in=[*PaymentAttempt.OPEN, State.SUCCEEDED])
        .order_by("customer_id", "due_date", "pk")
        .values_list("pk", "customer_id", "due_date")
    )
    due: list[int] = []
    for invoice_id, customer_id, due_date in candidates.distinct():
        method = default_method(customer_id)
        if method is None or due_date is None:
            continue
        next_try = charge_due_on(
            due_date=due_date, failures=_failures(invoice_id, method), schedule=schedule
        )
        if next_try is not None and next_try <= as_of:
            due.append(invoice_id)
    return due


def invoices_in_collection(invoice_ids: list[int]) -> set[int]:
    """The invoices a charge is under way or still to come for: reminders don't ask for
    payment on these. A final failure or a spent schedule leaves the invoice to reminders."""
    if not invoice_ids:
        return set()
    schedule = retry_days(BusinessSettings.load())
    busy = set(
        PaymentAttempt.objects.filter(
            invoice_id__in=invoice_ids, state__in=PaymentAttempt.OPEN
        ).values_list("invoice_id", flat=True)
    )
    # an invoice collected once and due again (a lost dispute) is not charged again
    automatic = (
        Invoice.objects.filter(pk__in=invoice_ids, customer__payment_method=PaymentMethod.AUTOMATIC)
        .exclude(attempts__state=State.SUCCEEDED)
        .values_list("pk", "customer_id", "due_date")
    )
    for invoice_id, customer_id, due_date in automatic:
        method = default_method(customer_id)
        if method is None or due_date is None or invoice_id in busy:
            continue
        failures = _failures(invoice_id, method)
        if charge_due_on(due_date=due_date, failures=failures, schedule=schedule) is not None:
            busy.add(invoice_id)
    return busy


def attempt_schedule(*, invoice_id: int, on: date) -> PaymentAttempt:
    """Step 1: the attempt, committed before the gateway is called. Raises NothingToCharge
    when there is nothing to charge or another attempt is open (the partial unique index
    decides between two runners)."""
    with transaction.atomic():
        invoice = Invoice.objects.get(pk=invoice_id)
        customer = customer_lock(invoice.customer_id)
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        method = default_method(customer.pk)
        problem = _not_chargeable(customer, invoice, method)
        if problem:
            code = "no_payment_method" if method is None else "nothing_to_charge"
            raise NothingToCharge(f"Not charged: {problem}.", code=code)
        assert method is not None
        number = (
            PaymentAttempt.objects.filter(invoice=invoice).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        now = clock.now()
        try:
            with transaction.atomic():
                return PaymentAttempt.objects.create(
                    invoice=invoice,
                    customer=customer,
                    method=method,
                    number=number,
                    amount=invoice.balance,
                    currency=invoice.currency,
                    gateway=method.gateway,
                    on=on,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise NothingToCharge(f"A charge on {invoice.number} is already under way.") from None


def _not_chargeable(customer: Customer, invoice: Invoice, method: SavedPaymentMethod | None) -> str:
    if invoice.status != Invoice.Status.UNPAID or invoice.balance <= 0:
        return f"invoice {invoice.number} is {invoice.status}: nothing is due"
    if method is None:
        return "the customer has no saved card or Direct Debit"
    if invoice.currency != customer.currency:
        return f"invoice {invoice.number} is in {invoice.currency}"
    taken = PaymentAttempt.objects.filter(
        invoice=invoice, state__in=[*PaymentAttempt.OPEN, State.SUCCEEDED]
    )
    if taken.exists():
        return f"a charge on {invoice.number} is already under way or paid"
    return ""


def attempt_submit(
    *, actor: Actor, attempt: PaymentAttempt, gateway: Gateway, on: date
) -> PaymentAttempt:
    """Steps 2 and 3: under the customer's lock, check again, call the gateway, apply."""
    with transaction.atomic():
        customer = customer_lock(attempt.customer_id)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.state != State.SCHEDULED:
            return attempt
        # sent just before a crash, days ago? then it is looked for first
        send = _found_else_sent if _key_forgotten(attempt) else _send_if_due
        return send(actor=actor, attempt=attempt, customer=customer, gateway=gateway, on=on)


def _send_if_due(
    *, actor: Actor, attempt: PaymentAttempt, customer: Customer, gateway: Gateway, on: date
) -> PaymentAttempt:
    """The invoice read again under the customer's lock (the caller holds it): credit
    applied first, closed unsent if nothing is left to pay, else the charge sent for what
    is left and its answer applied."""
    invoice = Invoice.objects.select_for_update().get(pk=attempt.invoice_id)
    business = BusinessSettings.load()
    if business.auto_apply_credit and invoice.status == Invoice.Status.UNPAID:
        available = min(credit_balance(customer), invoice.balance)
        if available > 0:
            invoice = credit_apply(actor=actor, invoice=invoice, amount=available, on=on)
    if invoice.status != Invoice.Status.UNPAID or invoice.balance <= 0:
        return _close_unneeded(attempt, f"invoice {invoice.number} is {invoice.status}")
    if invoice.balance != attempt.amount:
        attempt.amount = invoice.balance  # credit or a payment since it was scheduled
    attempt.state = State.SUBMITTED
    attempt.updated_at = clock.now()
    attempt.save(update_fields=["amount", "state", "updated_at"])
    charge = gateway.charge(_request(attempt, invoice))
    return _apply(actor=actor, attempt=attempt, charge=charge, on=on)


def _key_forgotten(attempt: PaymentAttempt) -> bool:
    """The gateway remembers an idempotency key for at least 24 hours: an attempt older than
    KEY_KEPT may have been sent with a key it has since forgotten (a crash or a lost answer,
    then a day without a run), and the same request would then be a second charge."""
    return clock.now() - attempt.created_at >= KEY_KEPT


def _found_else_sent(
    *, actor: Actor, attempt: PaymentAttempt, customer: Customer, gateway: Gateway, on: date
) -> PaymentAttempt:
    """An attempt past the gateway's memory of keys: the charge the gateway made for it
    (asked by the attempt, its customer and its invoice, which every charge carries) is
    applied; if it made none, the invoice is checked again and the charge sent."""
    invoice = Invoice.objects.get(pk=attempt.invoice_id)
    found = gateway.charge_find(request=_request(attempt, invoice))
    if found is not None:
        return _apply(actor=actor, attempt=attempt, charge=found, on=on)
    return _send_if_due(actor=actor, attempt=attempt, customer=customer, gateway=gateway, on=on)


def _request(attempt: PaymentAttempt, invoice: Invoice) -> ChargeRequest:
    method = attempt.method
    return ChargeRequest(
        attempt_id=attempt.pk,
        invoice_id=invoice.pk,
        invoice_number=invoice.number or "",
        customer_id=attempt.customer_id,
        amount=attempt.amount,
        currency=attempt.currency,
        method_reference=method.reference,
        gateway_customer=method.gateway_customer,
        method_kind=method.kind,
        idempotency_key=attempt.idempotency_key,
    )


def _close_unneeded(attempt: PaymentAttempt, why: str) -> PaymentAttempt:
    """An attempt found unneeded before the gateway was called: closed, nothing charged."""
    attempt.state = State.FAILED
    attempt.failure_code = PaymentAttempt.NOT_NEEDED
    attempt.failure_message = f"Not charged: {why}."[:300]
    attempt.updated_at = clock.now()
    attempt.save(update_fields=["state", "failure_code", "failure_message", "updated_at"])
    return attempt


def attempt_resolve(
    *, actor: Actor, attempt: PaymentAttempt, gateway: Gateway, on: date
) -> PaymentAttempt:
    """Settle an attempt left open (unknown after a time-out, submitted when the process
    stopped, pending Direct Debit): read the PaymentIntent when its id is known, otherwise
    send the very same request with the same key. Past the gateway's memory of keys, the
    charge is looked for instead: found, its outcome is applied; not found (nothing was
    charged), the invoice is checked again as for a new attempt before anything is sent.
    Never a second charge."""
    if attempt.state == State.SCHEDULED:
        # never marked submitted: the invoice is checked again before the same request
        # (with the same key) is sent; see _apply for one sent just before a crash
        return attempt_submit(actor=actor, attempt=attempt, gateway=gateway, on=on)
    with transaction.atomic():
        customer = customer_lock(attempt.customer_id)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.state not in PaymentAttempt.OPEN:
            return attempt
        if attempt.payment_intent:
            charge = gateway.charge_lookup(reference=attempt.payment_intent)
        elif _key_forgotten(attempt):
            return _found_else_sent(
                actor=actor, attempt=attempt, customer=customer, gateway=gateway, on=on
            )
        else:
            invoice = Invoice.objects.get(pk=attempt.invoice_id)
            charge = gateway.charge(_request(attempt, invoice))  # the same request and key
        return _apply(actor=actor, attempt=attempt, charge=charge, on=on)


@transaction.atomic
def charge_apply(*, actor: Actor, attempt_id: int, charge: Charge, on: date) -> PaymentAttempt:
    """What the gateway reported on an attempt (webhook or answer), applied once: a
    settled attempt doesn't move again, and the payment is recorded once per intent."""
    customer_id = PaymentAttempt.objects.values_list("customer_id", flat=True).get(pk=attempt_id)
    customer_lock(customer_id)
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    return _apply(actor=actor, attempt=attempt, charge=charge, on=on)


def _apply(*, actor: Actor, attempt: PaymentAttempt, charge: Charge, on: date) -> PaymentAttempt:
    # An attempt closed unsent ("not_needed") that Stripe reports succeeded was sent just
    # before a crash; one staff closed as not charged was charged after all: the money is
    # recorded (or kept for staff if the invoice was paid since).
    late_success = attempt.closed and charge.state == "succeeded"
    if attempt.state in (State.SUCCEEDED, State.FAILED) and not late_success:
        return attempt
    if charge.reference and not attempt.payment_intent:
        attempt.payment_intent = charge.reference
    before = attempt.state
    if charge.state == "unknown":
        if attempt.state != State.PENDING:
            attempt.state = State.UNKNOWN
        attempt.failure_message = charge.message[:300]  # why it is not known, when said
    elif charge.state == "pending":
        attempt.state = State.PENDING
    elif charge.state == "succeeded":
        attempt.state = State.SUCCEEDED
        attempt.failure_code = attempt.failure_message = ""
        attempt.payment = gateway_payment_record(
            actor=actor,
            gateway=attempt.gateway,
            payment=GatewayPayment(
                reference=attempt.payment_intent or f"attempt-{attempt.pk}",
                invoice_id=attempt.invoice_id,
                amount=charge.amount if charge.amount is not None else attempt.amount,
                currency=charge.currency or attempt.currency,
            ),
            on=on,
            method=(
                PaymentMethod.CARD
                if attempt.method.kind == SavedPaymentMethod.Kind.CARD
                else PaymentMethod.DIRECT_DEBIT
            ),
        )
    else:
        attempt.state = State.FAILED
        attempt.failure_code = charge.code[:60]
        attempt.decline_code = charge.decline_code[:60]
        attempt.failure_message = (charge.message or "The payment was declined.")[:300]
        attempt.final = failure_final(charge.code, charge.decline_code) is not None
    attempt.updated_at = clock.now()
    attempt.save()
    if attempt.state != before:
        _after(actor=actor, attempt=attempt)
    return attempt


def _after(*, actor: Actor, attempt: PaymentAttempt) -> None:
    shown = format_money(attempt.amount, attempt.currency)
    invoice_number = Invoice.objects.values_list("number", flat=True).get(pk=attempt.invoice_id)
    words: dict[str, str] = {
        State.SUCCEEDED: f"{shown} collected from {attempt.method} for {invoice_number}",
        State.PENDING: f"{shown} Direct Debit for {invoice_number} submitted, settling",
        State.UNKNOWN: f"No answer charging {shown} for {invoice_number}: to be checked"
        + (f" ({attempt.failure_message})" if attempt.failure_message else ""),
        State.FAILED: f"Charge of {shown} for {invoice_number} failed: {attempt.failure_message}",
    }
    state = attempt.state
    event_record(
        actor=actor,
        action=(
            "charge.succeeded"
            if state == State.SUCCEEDED
            else "charge.pending"
            if state == State.PENDING
            else "charge.failed"
            if state == State.FAILED
            else "charge.unknown"
        ),
        subject=attempt.invoice,
        customer_id=attempt.customer_id,
        message=words.get(attempt.state, attempt.state),
        data={
            "attempt": attempt.pk,
            "number": attempt.number,
            "amount": str(attempt.amount),
            "payment_intent": attempt.payment_intent or "",
            "code": attempt.failure_code,
            "decline_code": attempt.decline_code,
        },
    )
    if attempt.state == State.FAILED and not attempt.closed:
        final = failure_final(attempt.failure_code, attempt.decline_code)
        if final == FinalFailure.AUTHENTICATION:
            hook_call(CHARGE_NEEDS_ACTION, attempt=attempt)
        else:
            hook_call(CHARGE_FAILED, attempt=attempt)


def attempt_close_refusal(attempt: PaymentAttempt) -> str:
    """Why staff can't close this attempt as not charged ("" when they can). Only an
    unanswered attempt the runs can't settle by themselves: one whose PaymentIntent is known
    is read on every run, and within KEY_KEPT the very same request is sent again, which
    Stripe answers without charging twice; closed then, the next try would be a new charge."""
    if attempt.state != State.UNKNOWN:
        return f"Only a charge without an answer can be closed; this one is {attempt.state_label}."
    if attempt.payment_intent:
        return (
            f"Stripe knows this charge as {attempt.payment_intent}: every run reads its state, "
            "so it settles by itself once Stripe answers."
        )
    if not _key_forgotten(attempt):
        until = timezone.localtime(attempt.created_at + KEY_KEPT)
        return (
            f"Until {until:%-d %b %Y %H:%M} every run sends the very same request again, which "
            "Stripe answers without charging twice: if it is still unanswered after that, "
            "check Stripe's dashboard and close it then."
        )
    return ""


def attempt_close(*, actor: Actor, attempt_id: int, reason: str) -> PaymentAttempt:
    """Close an unknown attempt that staff found, at the gateway, charged nothing (the
    search could not be used, say): the invoice goes back to the retry schedule, or to
    reminders when it is spent. Should the gateway report later that it did charge, the
    money is recorded all the same (_apply). Refused while the runs can still settle it
    themselves (attempt_close_refusal)."""
    reason = " ".join(reason.split())
    if not reason:
        raise Refused('Say what you checked, e.g. "No payment in Stripe\'s dashboard".')
    if len(reason) > CLOSE_REASON_MAX:
        raise Refused(f"Keep the reason under {CLOSE_REASON_MAX} characters.")
    with transaction.atomic():
        customer_id = PaymentAttempt.objects.values_list("customer_id", flat=True).get(
            pk=attempt_id
        )
        customer_lock(customer_id)
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
        refusal = attempt_close_refusal(attempt)
        if refusal:
            raise Refused(refusal, code="not_closable")
        attempt.state = State.FAILED
        attempt.failure_code = PaymentAttempt.CLOSED
        attempt.failure_message = f"Closed by {actor.label}: {reason}"[:300]
        attempt.updated_at = clock.now()
        attempt.save(update_fields=["state", "failure_code", "failure_message", "updated_at"])
        event_record(
            actor=actor,
            action="charge.closed",
            subject=attempt.invoice,
            customer_id=attempt.customer_id,
            message=f"Charge {attempt.number} closed, not charged: {reason}"[:300],
            data={"attempt": attempt.pk, "number": attempt.number, "reason": reason},
        )
    return attempt


def invoice_charge(*, actor: Actor, invoice: Invoice, gateway: Gateway, on: date) -> PaymentAttempt:
    """Charge an invoice now to the customer's default method (the daily run, staff, the
    API). Raises NothingToCharge when it can't be."""
    open_attempt = PaymentAttempt.objects.filter(
        invoice=invoice, state__in=PaymentAttempt.OPEN
    ).first()
    if open_attempt is not None and open_attempt.state != State.SCHEDULED:
        open_attempt = attempt_resolve(actor=actor, attempt=open_attempt, gateway=gateway, on=on)
        if open_attempt.state in PaymentAttempt.OPEN:
            raise NothingToCharge(f"A charge on {invoice.number} is still under way.")
    attempt = (
        open_attempt
        if open_attempt is not None and open_attempt.state == State.SCHEDULED
        else attempt_schedule(invoice_id=invoice.pk, on=on)
    )
    return attempt_submit(actor=actor, attempt=attempt, gateway=gateway, on=on)


def collections_run(*, as_of: date, actor: Actor, gateway: Gateway) -> CollectionReport:
    """The daily step: settle attempts left open first (never retry over one), then charge
    every invoice whose day has come. Each invoice in its own transactions; one failing
    doesn't stop the others."""
    report = CollectionReport()
    if not gateway.saves_methods:
        return report
    for attempt in PaymentAttempt.objects.filter(state__in=PaymentAttempt.OPEN).order_by("pk"):
        try:
            resolved = attempt_resolve(actor=actor, attempt=attempt, gateway=gateway, on=as_of)
        except Exception as exc:  # one attempt's trouble must not stop the run
            report.errors.append(f"attempt {attempt.pk}: {type(exc).__name__}: {exc}"[:300])
            continue
        if resolved.state not in PaymentAttempt.OPEN:
            report.resolved += 1
    for invoice_id in invoices_to_charge(as_of=as_of):
        try:
            attempt = invoice_charge(
                actor=actor, invoice=Invoice.objects.get(pk=invoice_id), gateway=gateway, on=as_of
            )
        except NothingToCharge:
            continue
        except Exception as exc:
            report.errors.append(f"invoice {invoice_id}: {type(exc).__name__}: {exc}"[:300])
            continue
        report.charged += 1
        report.count(attempt)
    return report
