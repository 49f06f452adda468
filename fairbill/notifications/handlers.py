"""The emails that follow other apps' actions, queued in the same transaction through the
hooks those apps call (registered in NotificationsConfig.ready)."""

from __future__ import annotations

import calendar
from datetime import date

from django.db import transaction

from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.hooks import hook_register
from fairbill.core.money import format_money
from fairbill.customers.logins import LOGIN_INVITED
from fairbill.invoicing.estimates import ESTIMATE_SENT
from fairbill.invoicing.models import CreditNote, Estimate, Invoice
from fairbill.invoicing.services import INVOICE_ISSUED
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_queue, login_invitation_send
from fairbill.payments.collection import CHARGE_FAILED, CHARGE_NEEDS_ACTION, next_try_on
from fairbill.payments.credit_notes import CREDIT_NOTE_ISSUED
from fairbill.payments.methods import METHOD_EXPIRING
from fairbill.payments.models import CreditEntry, Payment, PaymentAttempt, SavedPaymentMethod
from fairbill.payments.services import (
    CREDIT_ADDED,
    INVOICE_VOID_CHECK,
    INVOICE_VOIDED,
    PAYMENT_RECEIVED,
)


def invoice_issued(*, invoice: Invoice) -> None:
    email_queue(
        template="invoice_issued",
        customer_id=invoice.customer_id,
        context={"invoice_id": invoice.pk},
    )


def estimate_sent(*, estimate: Estimate) -> None:
    email_queue(
        template="estimate_sent",
        customer_id=estimate.customer_id,
        context={"estimate_id": estimate.pk},
    )


def credit_note_issued(*, credit_note: CreditNote) -> None:
    email_queue(
        template="credit_note_issued",
        customer_id=credit_note.customer_id,
        context={"credit_note_id": credit_note.pk, "invoice_id": credit_note.invoice_id},
    )


def credit_added(*, entry: CreditEntry) -> None:
    email_queue(
        template="credit_added",
        customer_id=entry.customer_id,
        context={"credit_entry_id": entry.pk},
    )


def payment_received(*, payment: Payment, invoice: Invoice) -> None:
    email_queue(
        template="payment_received",
        customer_id=payment.customer_id,
        context={"invoice_id": invoice.pk, "payment_id": payment.pk},
    )


def invoice_void_check(*, invoice: Invoice) -> None:
    """An invoice emailed to anyone (issued, reminder, any email naming it) was sent: it is
    corrected by a credit note, not voided."""
    sent = EmailLog.objects.filter(
        context__invoice_id=invoice.pk,
        status__in=[EmailLog.Status.SENT, EmailLog.Status.SENDING],
    ).exists()
    if sent:
        raise Refused("it was emailed to the customer")


def invoice_voided(*, actor: Actor, invoice: Invoice, on: date) -> None:
    """Emails about a voided invoice still waiting to be sent are not sent: a void is for an
    invoice nobody saw. (A sender claims an email with a conditional update, so an email is
    either claimed, and the void refused, or skipped here.)"""
    EmailLog.objects.filter(context__invoice_id=invoice.pk, status=EmailLog.Status.QUEUED).update(
        status=EmailLog.Status.SKIPPED,
        error=f"Invoice {invoice.number} was voided before it was sent.",
    )


def _attempt_context(attempt: PaymentAttempt) -> dict[str, object]:
    next_try = next_try_on(attempt)
    return {
        "invoice_id": attempt.invoice_id,
        "amount": format_money(attempt.amount, attempt.currency),
        "method": str(attempt.method),
        "reason": attempt.failure_message,
        "retry_on": next_try.strftime("%-d %B %Y") if next_try else "",
    }


def charge_failed(*, attempt: PaymentAttempt) -> None:
    email_queue(
        template="charge_failed",
        customer_id=attempt.customer_id,
        context=_attempt_context(attempt),
    )


def charge_needs_action(*, attempt: PaymentAttempt) -> None:
    email_queue(
        template="charge_action_required",
        customer_id=attempt.customer_id,
        context=_attempt_context(attempt),
    )


def method_expiring(*, method: SavedPaymentMethod) -> None:
    email_queue(
        template="payment_method_expiring",
        customer_id=method.customer_id,
        context={
            "method": str(method),
            "last4": method.last4,
            "expires": f"{calendar.month_name[method.exp_month or 1]} {method.exp_year}",
        },
    )


def login_invited(*, user_id: int) -> None:
    # Sent after commit and not logged: the link lets whoever reads it into the account.
    transaction.on_commit(lambda: login_invitation_send(user_id=user_id))


def handlers_register() -> None:
    hook_register(INVOICE_ISSUED, invoice_issued)
    hook_register(ESTIMATE_SENT, estimate_sent)
    hook_register(CREDIT_ADDED, credit_added)
    hook_register(CREDIT_NOTE_ISSUED, credit_note_issued)
    hook_register(PAYMENT_RECEIVED, payment_received)
    hook_register(INVOICE_VOID_CHECK, invoice_void_check)
    hook_register(INVOICE_VOIDED, invoice_voided)
    hook_register(LOGIN_INVITED, login_invited)
    hook_register(CHARGE_FAILED, charge_failed)
    hook_register(CHARGE_NEEDS_ACTION, charge_needs_action)
    hook_register(METHOD_EXPIRING, method_expiring)
