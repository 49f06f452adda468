"""What happens to subscriptions when their invoices are paid, voided or left unpaid:
activation after a signup payment, reminders, automatic suspension and cancellation, and
reinstatement on payment. Called explicitly by the payment services and the billing run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from fairbill.core.actors import Actor
from fairbill.core.hooks import hook_register
from fairbill.core.lookups import IdsIn
from fairbill.core.models import BusinessSettings
from fairbill.core.services import event_record
from fairbill.customers.models import Customer, Status
from fairbill.customers.services import customer_set_status
from fairbill.invoicing.models import Invoice, InvoiceLine, InvoiceReminder
from fairbill.invoicing.selectors import overdue
from fairbill.notifications.services import email_queue
from fairbill.payments.collection import invoices_in_collection
from fairbill.payments.credit_notes import INVOICE_CREDITED
from fairbill.payments.services import INVOICE_PAID, INVOICE_VOIDED
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_set_status

NONPAYMENT = Subscription.SuspendedBy.NONPAYMENT


def _subscriptions_of(invoice: Invoice) -> list[Subscription]:
    ids = InvoiceLine.objects.filter(invoice=invoice, subscription__isnull=False).values(
        "subscription_id"
    )
    return list(Subscription.objects.filter(pk__in=ids).order_by("pk"))


def _overdue_unpaid(subscription: Subscription, on: date, excluding: Invoice) -> bool:
    return (
        Invoice.objects.filter(overdue(on), lines__subscription=subscription)
        .exclude(pk=excluding.pk)
        .exists()
    )


def after_invoice_paid(*, actor: Actor, invoice: Invoice, on: date) -> None:
    """A paid signup invoice activates its pending subscriptions (and a pending customer);
    a paid invoice reinstates subscriptions suspended for non-payment when no other overdue
    invoice of theirs remains. Subscriptions suspended by staff stay suspended."""
    _after_settled(invoice=invoice, on=on, paid=True)


def _after_settled(*, invoice: Invoice, on: date, paid: bool) -> None:
    activated: list[int] = []
    reinstated: list[int] = []
    system = Actor.system("automation")
    for sub in _subscriptions_of(invoice):
        if sub.status == Status.PENDING and invoice.kind == Invoice.Kind.SIGNUP:
            if not paid:  # a voided order was never paid for: it stays pending
                continue
            subscription_set_status(
                actor=system,
                subscription=sub,
                status=Status.ACTIVE,
                reason=f"Signup invoice {invoice.number} paid",
            )
            activated.append(sub.pk)
        elif (
            sub.status == Status.SUSPENDED
            and sub.suspended_by == NONPAYMENT
            and not _overdue_unpaid(sub, on, invoice)
        ):
            subscription_set_status(
                actor=system,
                subscription=sub,
                status=Status.ACTIVE,
                reason=f"Invoice {invoice.number} paid",
            )
            reinstated.append(sub.pk)
    customer = Customer.objects.get(pk=invoice.customer_id)
    if activated:
        if customer.status == Status.PENDING:
            customer_set_status(
                actor=system,
                customer=customer,
                status=Status.ACTIVE,
                reason=f"Signup invoice {invoice.number} paid",
            )
        email_queue(
            template="welcome",
            customer_id=customer.pk,
            context={"invoice_id": invoice.pk, "subscription_ids": activated},
        )
    if reinstated:
        email_queue(
            template="unsuspended",
            customer_id=customer.pk,
            context={"invoice_id": invoice.pk, "subscription_ids": reinstated},
        )


def after_invoice_voided(*, actor: Actor, invoice: Invoice, on: date) -> None:
    """A voided invoice no longer counts against its subscriptions: those suspended for
    non-payment are reinstated when no other overdue invoice of theirs remains. It activates
    nothing: a voided signup invoice leaves its order pending (it was not paid)."""
    _after_settled(invoice=invoice, on=on, paid=False)


@dataclass
class OverdueCounts:
    reminders: int = 0
    suspensions: int = 0
    cancellations: int = 0


def overdue_candidates(*, as_of: date, business: BusinessSettings) -> Q | None:
    """A filter on unpaid invoices that may need a reminder, suspension or cancellation as of
    a date (used to find the customers the billing run must look at)."""
    conditions = Q()
    found = False
    for offset in business.reminder_days:
        sent = InvoiceReminder.objects.filter(invoice=OuterRef("pk"), offset_days=offset)
        conditions |= Q(due_date__lte=as_of - timedelta(days=offset)) & ~Q(Exists(sent))
        found = True
    for days, statuses in (
        (business.suspend_days_after_due, [Status.ACTIVE]),
        (business.cancel_days_after_due, [Status.ACTIVE, Status.SUSPENDED, Status.PENDING]),
    ):
        if days:
            conditions |= Q(
                due_date__lte=as_of - timedelta(days=days), lines__subscription__status__in=statuses
            )
            found = True
    return conditions if found else None


def overdue_process(
    *, customer_ids: list[int], as_of: date, business: BusinessSettings, actor: Actor
) -> OverdueCounts:
    """Reminders, suspensions and cancellations for some (locked) customers as of a date.
    Each reminder offset is sent once; offsets missed on days without a run are caught up
    by one email, never repeated."""
    counts = OverdueCounts()
    invoices = (
        list(
            Invoice.objects.filter(
                IdsIn("customer_id", customer_ids),
                status=Invoice.Status.UNPAID,
                due_date__lte=as_of - timedelta(days=min(_offsets(business))),
            ).order_by("customer_id", "due_date", "pk")
        )
        if _offsets(business)
        else []
    )
    if not invoices:
        return counts
    # a charge under way or still to come on the retry schedule: no "please pay" email
    collecting = invoices_in_collection([invoice.pk for invoice in invoices])
    sent = defaultdict(set)
    for invoice_id, offset in InvoiceReminder.objects.filter(invoice__in=invoices).values_list(
        "invoice_id", "offset_days"
    ):
        sent[invoice_id].add(offset)
    for invoice in invoices:
        past_due = (as_of - invoice.due_date).days  # type: ignore[operator]
        due_offsets = [
            d for d in business.reminder_days if d <= past_due and d not in sent[invoice.pk]
        ]
        if due_offsets and invoice.pk not in collecting:
            InvoiceReminder.objects.bulk_create(
                InvoiceReminder(invoice=invoice, offset_days=d, sent_on=as_of) for d in due_offsets
            )
            latest = max(due_offsets)
            email_queue(
                template="overdue" if latest > 0 else "reminder",
                customer_id=invoice.customer_id,
                context={"invoice_id": invoice.pk, "days_past_due": past_due},
            )
            event_record(
                actor=actor,
                action="invoice.reminded",
                subject=invoice,
                customer_id=invoice.customer_id,
                data={"offsets": due_offsets, "days_past_due": past_due},
            )
            counts.reminders += 1
        suspended, cancelled = _suspend_or_cancel(invoice, past_due, business, actor)
        counts.suspensions += suspended
        counts.cancellations += cancelled
    return counts


def _offsets(business: BusinessSettings) -> list[int]:
    days = list(business.reminder_days)
    days += [d for d in (business.suspend_days_after_due, business.cancel_days_after_due) if d]
    return days


def _suspend_or_cancel(
    invoice: Invoice, past_due: int, business: BusinessSettings, actor: Actor
) -> tuple[int, int]:
    cancel = business.cancel_days_after_due and past_due >= business.cancel_days_after_due
    suspend = business.suspend_days_after_due and past_due >= business.suspend_days_after_due
    if not (cancel or suspend):
        return 0, 0
    changed = []
    for sub in _subscriptions_of(invoice):
        if cancel and sub.status in (Status.ACTIVE, Status.SUSPENDED, Status.PENDING):
            subscription_set_status(
                actor=actor,
                subscription=sub,
                status=Status.CANCELLED,
                reason=f"Invoice {invoice.number} unpaid {past_due} days",
            )
            changed.append(("cancelled", sub.pk))
        elif suspend and not cancel and sub.status == Status.ACTIVE:
            subscription_set_status(
                actor=actor,
                subscription=sub,
                status=Status.SUSPENDED,
                reason=f"Invoice {invoice.number} unpaid {past_due} days",
                suspended_by=NONPAYMENT,
            )
            changed.append(("suspended", sub.pk))
    for template in ("suspended", "cancelled"):
        ids = [pk for kind, pk in changed if kind == template]
        if ids:
            email_queue(
                template=template,
                customer_id=invoice.customer_id,
                context={"invoice_id": invoice.pk, "subscription_ids": ids},
            )
    return (
        sum(1 for kind, _ in changed if kind == "suspended"),
        sum(1 for kind, _ in changed if kind == "cancelled"),
    )


def handlers_register() -> None:
    """Payments call these through hooks (payments can't import automation)."""
    hook_register(INVOICE_PAID, after_invoice_paid)
    hook_register(INVOICE_VOIDED, after_invoice_voided)
    # Credited in full, an unpaid invoice is settled without payment: as a void one.
    hook_register(INVOICE_CREDITED, after_invoice_voided)
