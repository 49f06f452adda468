"""A year of monthly renewals collected from a saved card, on a moving clock: the card is
declined in March (retried on the schedule, then reminders and suspension), the customer
saves a new card in April, the March invoice is collected, the package reinstated, and the
rest of the year is collected on each due date. Every email and attempt is checked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from fairbill.core.services import settings_update
from fairbill.payments.gateways.base import MethodDetails
from fairbill.payments.methods import customer_set_automatic, method_save
from fairbill.payments.models import PaymentAttempt
from tests.fakes.stripe_api import DECLINES
from tests.payments.conftest import stripe_fake  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def save_card(customer, actor, stripe, pm_id, last4, on):
    stripe.method_add(pm_id, customer="cus_jane", last4=last4)
    with time_machine.travel(on.isoformat() + " 12:00Z", tick=False):
        method_save(
            actor=actor,
            customer=customer,
            gateway="stripe",
            details=MethodDetails(
                reference=pm_id,
                gateway_customer="cus_jane",
                kind="card",
                label="Visa",
                last4=last4,
                exp_month=12,
                exp_year=2030,
            ),
        )


def test_a_year_with_a_card_failing_in_march_and_replaced_in_april(
    billing,
    system,
    stripe_fake,  # noqa: F811
):
    settings_update(
        actor=system,
        payment_terms_days=0,  # due on the renewal date: collected that day
        reminder_days=[-3, 0, 3, 7],
        suspend_days_after_due=14,
        charge_retry_days=[3, 5, 7],
    )
    customer = billing.customer
    save_card(customer, system, stripe_fake, "pm_card_first", "4242", date(2027, 1, 1))
    customer_set_automatic(actor=system, customer=customer, automatic=True)
    sub = billing.subscribe(start=date(2027, 1, 5))
    emails: dict[date, list[str]] = {}
    day = date(2027, 1, 5)
    while day <= date(2027, 12, 31):
        if day == date(2027, 3, 1):  # the bank starts refusing the first card
            stripe_fake.declines["pm_card_first"] = DECLINES["pm_card_insufficient"]
        if day == date(2027, 4, 2):  # the customer saves a new card in My Account
            save_card(customer, system, stripe_fake, "pm_card_second", "1881", day)
        billing.run(as_of=day)
        if mail.outbox:
            emails[day] = [m.subject for m in mail.outbox]
            mail.outbox.clear()
        day += timedelta(days=1)

    invoices = billing.invoices(sub)
    numbers = [i.number for i in invoices]
    assert len(invoices) == 12
    assert all(i.status == "paid" for i in invoices)
    march, april = invoices[2], invoices[3]
    assert march.total == Decimal("12.00")  # £10 + 20% VAT (first month £18 with setup)
    assert march.paid_on == date(2027, 4, 2)

    # every email of the year, day by day
    expected: dict[date, list[str]] = {}
    for month, invoice in zip(range(1, 13), invoices, strict=True):
        renewal = date(2027, month, 5)
        if month == 3:
            continue
        expected[renewal] = [
            f"Invoice {invoice.number} from Acme Hosting Ltd",
            f"Payment received for invoice {invoice.number}",
        ]
    failed = f"We couldn't collect the payment for invoice {numbers[2]}"
    expected[date(2027, 3, 5)] = [f"Invoice {numbers[2]} from Acme Hosting Ltd", failed]
    expected[date(2027, 3, 8)] = [failed]
    expected[date(2027, 3, 10)] = [failed]
    expected[date(2027, 3, 12)] = [failed]
    # the retries spent: the reminders catch up in one email, then suspension
    expected[date(2027, 3, 13)] = [f"Overdue: invoice {numbers[2]}"]
    expected[date(2027, 3, 19)] = ["Your Bronze service is suspended"]
    # the new card: March collected the next run, the package back on
    expected[date(2027, 4, 2)] = [
        f"Payment received for invoice {numbers[2]}",
        "Your Bronze service is active again",
    ]
    assert emails == expected

    # the attempts: one per month, March four times on the first card then the new one
    march_attempts = list(
        PaymentAttempt.objects.filter(invoice=march).values_list(
            "number", "on", "state", "decline_code", "method__last4"
        )
    )
    assert march_attempts == [
        (1, date(2027, 3, 5), "failed", "insufficient_funds", "4242"),
        (2, date(2027, 3, 8), "failed", "insufficient_funds", "4242"),
        (3, date(2027, 3, 10), "failed", "insufficient_funds", "4242"),
        (4, date(2027, 3, 12), "failed", "insufficient_funds", "4242"),
        (5, date(2027, 4, 2), "succeeded", "", "1881"),
    ]
    assert list(
        PaymentAttempt.objects.filter(invoice=april).values_list("on", "state", "method__last4")
    ) == [(date(2027, 4, 5), "succeeded", "1881")]
    assert PaymentAttempt.objects.count() == 16
    assert len(stripe_fake.charges_made()) == 12
    sub.refresh_from_db()
    assert sub.status == "active"
    billing.assert_nothing_more_to_bill(as_of=date(2027, 12, 31))
