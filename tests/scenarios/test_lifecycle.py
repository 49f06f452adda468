"""A customer's whole life on a moving clock: signup, renewals across month ends and a leap
year, credit used automatically, reminders, suspension, payment, reinstatement, cancellation.
After every step, running the billing run again does nothing more."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from fairbill.core.services import settings_update
from fairbill.payments.services import credit_add, credit_balance


def subjects():
    found = [m.subject for m in mail.outbox]
    mail.outbox.clear()
    return found


@pytest.fixture
def chasing(business, system):
    settings_update(
        actor=system,
        reminder_days=[-3, 0, 3, 7],
        suspend_days_after_due=14,
        cancel_days_after_due=60,
    )


def test_whole_lifecycle(billing, chasing, admin):
    customer = billing.customer
    # signup: Bronze monthly from 31 January 2028 (a leap year)
    sub = billing.subscribe(package="Bronze", cycle="monthly", start=date(2028, 1, 31))
    report = billing.run(as_of=date(2028, 1, 31))
    assert report.invoices_created == 1
    [first] = billing.invoices(sub)
    assert (first.number, first.total, first.due_date) == (
        "INV-00001",
        Decimal("18.00"),
        date(2028, 2, 7),
    )
    assert subjects() == ["Invoice INV-00001 from Acme Hosting Ltd"]
    billing.assert_nothing_more_to_bill(as_of=date(2028, 1, 31))

    # paid the next day
    billing.pay(first, on=date(2028, 2, 1))
    first.refresh_from_db()
    assert first.status == "paid"
    assert subjects() == ["Payment received for invoice INV-00001"]

    # staff adds £5 credit; the leap-day renewal uses it
    credit_add(
        actor=admin, customer=customer, amount="5.00", reason="Goodwill", on=date(2028, 2, 10)
    )
    billing.run(as_of=date(2028, 2, 29))
    second = billing.invoices(sub)[-1]
    assert second.lines.get(kind="package").period_start == date(2028, 2, 29)
    assert second.lines.get(kind="package").period_end == date(2028, 3, 31)
    assert (second.total, second.credit_applied, second.balance) == (
        Decimal("12.00"),
        Decimal("5.00"),
        Decimal("7.00"),
    )
    assert credit_balance(customer) == Decimal("0")
    assert second.due_date == date(2028, 3, 7)
    billing.assert_nothing_more_to_bill(as_of=date(2028, 2, 29))
    mail.outbox.clear()

    # reminders 3 days before, on the day, 3 and 7 days after the due date, once each
    for day, expected in [
        (4, "Reminder: invoice INV-00002 is due 7 March 2028"),
        (7, "Reminder: invoice INV-00002 is due 7 March 2028"),
        (10, "Overdue: invoice INV-00002"),
        (14, "Overdue: invoice INV-00002"),
    ]:
        report = billing.run(as_of=date(2028, 3, day))
        assert report.reminders == 1
        assert subjects() == [expected]
        billing.assert_nothing_more_to_bill(as_of=date(2028, 3, day))

    # 14 days past due: suspended for non-payment
    report = billing.run(as_of=date(2028, 3, 21))
    assert report.suspensions == 1
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_by) == ("suspended", "nonpayment")
    assert subjects() == ["Your Bronze service is suspended"]
    billing.assert_nothing_more_to_bill(as_of=date(2028, 3, 21))

    # paying the overdue invoice in full reinstates it
    billing.pay(second, on=date(2028, 3, 22))
    sub.refresh_from_db()
    assert sub.status == "active"
    assert subjects() == [
        "Payment received for invoice INV-00002",
        "Your Bronze service is active again",
    ]

    # the March renewal is never paid: caught-up reminders are one email, then suspension
    billing.run(as_of=date(2028, 3, 31))
    third = billing.invoices(sub)[-1]
    assert third.due_date == date(2028, 4, 7)
    mail.outbox.clear()
    report = billing.run(as_of=date(2028, 4, 21))
    assert (report.reminders, report.suspensions) == (1, 1)
    assert subjects() == ["Overdue: invoice INV-00003", "Your Bronze service is suspended"]
    billing.assert_nothing_more_to_bill(as_of=date(2028, 4, 21))

    # a suspended subscription is still renewed
    report = billing.run(as_of=date(2028, 4, 30))
    assert report.invoices_created == 1
    fourth = billing.invoices(sub)[-1]
    assert fourth.due_date == date(2028, 5, 7)
    mail.outbox.clear()

    # 60 days past due: cancelled before the next renewal, which is then not billed
    report = billing.run(as_of=date(2028, 6, 6))
    assert (report.cancellations, report.invoices_created, report.reminders) == (1, 0, 1)
    sub.refresh_from_db()
    assert sub.status == "cancelled"
    assert [start for start, _ in billing.periods(sub)] == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
    ]
    assert sorted(subjects()) == ["Overdue: invoice INV-00004", "Your Bronze service is cancelled"]
    billing.assert_nothing_more_to_bill(as_of=date(2028, 6, 6))
    billing.assert_nothing_more_to_bill(as_of=date(2028, 12, 31))


def test_staff_suspension_is_not_lifted_by_payment(billing, chasing, admin):
    from fairbill.subscriptions.services import subscription_update

    sub = billing.subscribe(package="Bronze", cycle="monthly", start=date(2028, 1, 10))
    billing.run(as_of=date(2028, 1, 10))
    subscription_update(actor=admin, subscription=sub, status="suspended")
    billing.pay(billing.invoices(sub)[0], on=date(2028, 1, 11))
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_by) == ("suspended", "staff")


def test_staff_suspending_a_package_suspended_for_nonpayment_keeps_it_suspended(
    billing, chasing, admin
):
    from fairbill.subscriptions.services import subscription_update

    # given a package suspended by the run for non-payment
    sub = billing.subscribe(package="Bronze", cycle="monthly", start=date(2028, 1, 10))
    billing.run(as_of=date(2028, 1, 10))
    billing.run(as_of=date(2028, 2, 1))
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_by) == ("suspended", "nonpayment")
    # when staff suspend it by hand, then the customer pays
    subscription_update(actor=admin, subscription=sub, status="suspended")
    billing.pay(billing.invoices(sub)[0], on=date(2028, 2, 2))
    # then it stays suspended: only staff lift a staff suspension
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_by) == ("suspended", "staff")
