"""A year of billing history for the demo: packages ordered over the past months, the real
billing run walked day by day up to yesterday, invoices paid by most customers, one that
stopped paying (reminded, then suspended by the run), a cancelled and a failed package, and
two renewals due today so that running billing shows new invoices at once, and two credit
notes: an option credited in part on a UK customer's paid invoice (its credit paid later
invoices), and the EU business customer's reverse-charge invoice credited for an option.

One customer (Fletcher's Bakery) pays automatically with a saved demo card: its invoices are
collected on their due dates by the run's collection step, with the demo gateway (no money
moves), unless Stripe keys are set (then the demo saves no card)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min

from fairbill.automation.billing_run import billing_run
from fairbill.catalog.models import Option, Package
from fairbill.core.actors import Actor
from fairbill.customers.models import Customer, PaymentMethod, Status
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.notifications.models import EmailLog
from fairbill.payments.collection import collections_run
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.gateways.base import MethodDetails
from fairbill.payments.gateways.fake import FakeGateway
from fairbill.payments.methods import customer_set_automatic, method_save
from fairbill.payments.services import credit_add, payment_record
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.periods import add_months
from fairbill.subscriptions.services import subscription_create, subscription_set_status

PAYS, STOPS, LATE, CANCELLED, ERROR, PENDING = "pays", "stops", "late", "cancel", "error", "pending"

# email, package, cycle, months ago it started (day: None = today's day), options, behaviour
PLANS: list[tuple[str, str, str, int, int | None, list[tuple[str, int, str]], str]] = [
    ("alex.morgan@example.com", "Silver", "monthly", 13, 3, [("Extra storage", 2, "")], PAYS),
    (
        "accounts@shahdesign.example",
        "Gold",
        "monthly",
        12,
        None,
        [("Priority support", 1, ""), ("Backup plan", 1, "Hourly")],
        PAYS,
    ),
    ("tom@fletcherbakery.example", "Bronze", "monthly", 11, 17, [], PAYS),
    ("office@greenleaf.example", "Silver", "quarterly", 12, 1, [], PAYS),
    ("rechnung@becker-it.example", "Gold", "annually", 10, 20, [("Priority support", 1, "")], PAYS),
    ("maria@gonzalezphoto.example", "Bronze", "monthly", 7, None, [("Extra storage", 1, "")], LATE),
    ("accounts@shahdesign.example", "Bronze", "monthly", 12, 12, [], CANCELLED),
    ("sophie@atelier-martin.example", "Silver", "monthly", 0, 1, [], PENDING),
    ("liam@obrienjoinery.example", "Bronze", "annually", 0, 1, [], PENDING),
]


def _customers_by_status(status: str) -> list[Customer]:
    return list(Customer.objects.filter(status=status).order_by("pk"))


def _option_rows(options: list[tuple[str, int, str]]) -> list[dict[str, Any]]:
    rows = []
    for name, quantity, choice in options:
        option = Option.objects.get(name=name)
        row: dict[str, Any] = {"option_id": option.pk, "quantity": quantity}
        if choice:
            row["choice"] = choice
        rows.append(row)
    return rows


def billing_history_load(*, actor: Actor, today: date) -> dict[str, int]:
    plans = list(PLANS)
    # customers whose status says something went wrong get packages that went wrong
    for customer in _customers_by_status(Status.SUSPENDED):
        plans.append((customer.email, "Bronze", "monthly", 6, 9, [], STOPS))
    for customer in _customers_by_status(Status.ERROR):
        plans.append((customer.email, "Gold", "monthly", 0, 1, [], ERROR))
    behaviour: dict[int, str] = {}
    for email, package, cycle, months_ago, day, options, plan in plans:
        customer = Customer.objects.get(email=email)
        start = add_months(today, -months_ago, day or today.day)
        if plan == LATE:  # renewed 20 days ago: its invoice is a few days overdue
            late = today - timedelta(days=20)
            start = add_months(late, -months_ago, late.day)
        if plan in (PENDING, ERROR):
            start = today
        sub = subscription_create(
            actor=actor,
            customer=customer,
            package=Package.objects.get(name=package),
            cycle=cycle,
            start_date=start,
            options=_option_rows(options),
            status=Status.PENDING if plan == PENDING else Status.ACTIVE,
        )
        behaviour[sub.pk] = plan
        if plan == ERROR:
            subscription_set_status(
                actor=actor,
                subscription=sub,
                status=Status.ERROR,
                reason="Signup failed: the card payment was declined.",
            )
    if not settings.STRIPE_SECRET_KEY:
        saved_card_load(actor=actor, customer=Customer.objects.get(email=AUTOMATIC_EMAIL))
    _walk(actor=actor, today=today, behaviour=behaviour)
    # Demo emails are history, not mail to send.
    EmailLog.objects.filter(status=EmailLog.Status.QUEUED).update(
        status=EmailLog.Status.SKIPPED, error="Demo data: not sent"
    )
    _backdate_customers()
    return {"subscriptions": Subscription.objects.count(), "invoices": Invoice.objects.count()}


AUTOMATIC_EMAIL = "tom@fletcherbakery.example"


def saved_card_load(*, actor: Actor, customer: Customer) -> None:
    """A demo card saved for automatic payment (the demo gateway's, no money moves)."""
    gateway = FakeGateway()
    method_save(
        actor=actor,
        customer=customer,
        gateway=gateway.name,
        details=MethodDetails(
            reference=f"fake_pm_demo{customer.pk}_4242",
            gateway_customer=gateway.customer_create(
                customer_id=customer.pk, name=customer.name, email=customer.email
            ),
            kind="card",
            label="Visa (demo)",
            last4="4242",
            exp_month=12,
            exp_year=2030,
        ),
    )
    customer_set_automatic(actor=actor, customer=customer, automatic=True)


def _backdate_customers() -> None:
    """Demo customers were created just now; make them customers since a little before their
    first package, as they would be."""
    for customer_id, first in Subscription.objects.values_list("customer_id").annotate(
        first=Min("start_date")
    ):
        since = datetime.combine(first - timedelta(days=3), time(10, 0), tzinfo=UTC)
        Customer.objects.filter(pk=customer_id, created_at__gt=since).update(created_at=since)


def _walk(*, actor: Actor, today: date, behaviour: dict[int, str]) -> None:
    system = Actor.system("billing run")
    first = min(Subscription.objects.values_list("start_date", flat=True))
    day = first
    goodwill_given = False
    while day < today:
        billing_run(as_of=day, actor=system, record=(today - day).days <= 7)
        if not settings.STRIPE_SECRET_KEY:  # the run's own step when the demo gateway is on
            collections_run(as_of=day, actor=system, gateway=FakeGateway())
        for invoice in Invoice.objects.filter(issue_date=day, status=Invoice.Status.UNPAID).exclude(
            customer__payment_method=PaymentMethod.AUTOMATIC
        ):  # collected instead
            plans = {
                behaviour.get(sub_id)
                for sub_id in invoice.lines.values_list("subscription_id", flat=True)
            }
            if _pays(plans, invoice, today):
                payment_record(
                    actor=actor,
                    invoice=invoice,
                    amount=invoice.balance,
                    method=invoice.customer.payment_method,
                    on=min(day + timedelta(days=2), today - timedelta(days=1)),
                    reference="Demo payment",
                )
        for sub_id, plan in behaviour.items():
            sub = Subscription.objects.get(pk=sub_id)
            if (
                plan == CANCELLED
                and sub.status == Status.ACTIVE
                and day >= add_months(sub.start_date, 5)
            ):
                subscription_set_status(
                    actor=actor,
                    subscription=sub,
                    status=Status.CANCELLED,
                    reason="Customer moved to another provider",
                )
        for days_ago, email, option, line, reason in CREDIT_NOTES:
            if day == today - timedelta(days=days_ago):
                _credit_note(actor, email, option, line, reason, day)
        if not goodwill_given and day >= today - timedelta(days=40):
            credit_add(
                actor=actor,
                customer=Customer.objects.get(email=PLANS[2][0]),
                amount="12.00",
                reason="Goodwill: 3 hours of downtime",
                on=day,
            )
            goodwill_given = True
        day += timedelta(days=1)


# days ago, customer, option line credited, {quantity: ...} or {} for the whole line, reason
CREDIT_NOTES: list[tuple[int, str, str, dict[str, str], str]] = [
    (
        75,
        "alex.morgan@example.com",
        "Extra storage",
        {"quantity": "1"},
        "One of the two extra storage blocks was never set up",
    ),
    (
        45,
        "rechnung@becker-it.example",
        "Priority support",
        {},
        "Priority support not available this year: the phone line is closed",
    ),
]


def _credit_note(
    actor: Actor, email: str, option: str, line: dict[str, str], reason: str, on: date
) -> None:
    """Credit part of the customer's latest paid invoice with this option's line."""
    found = (
        InvoiceLine.objects.filter(
            invoice__customer__email=email,
            invoice__status=Invoice.Status.PAID,
            kind=InvoiceLine.Kind.OPTION,
            description__startswith=option,
            invoice__issue_date__lte=on,
        )
        .select_related("invoice")
        .order_by("-invoice__issue_date", "-pk")
        .first()
    )
    if found is None:
        return
    credit_note_issue(
        actor=actor,
        invoice=found.invoice,
        reason=reason,
        on=on,
        lines=[{"invoice_line_id": found.pk, **line}],
    )


def _pays(plans: set[str | None], invoice: Invoice, today: date) -> bool:
    assert invoice.issue_date is not None
    if STOPS in plans:
        return (today - invoice.issue_date).days > 75  # stopped paying two months ago
    if LATE in plans:
        return (today - invoice.issue_date).days > 40  # the latest invoice is overdue
    return True
