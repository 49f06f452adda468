"""The emails that follow other apps' actions, queued in the same transaction through the
hooks those apps call (registered in NotificationsConfig.ready)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.hooks import hook_register
from fairbill.customers.logins import LOGIN_INVITED
from fairbill.invoicing.estimates import ESTIMATE_SENT
from fairbill.invoicing.models import CreditNote, Estimate, Invoice
from fairbill.invoicing.services import INVOICE_ISSUED
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_queue, login_invitation_send
from fairbill.payments.credit_notes import CREDIT_NOTE_ISSUED
from fairbill.payments.models import CreditEntry, Payment
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
