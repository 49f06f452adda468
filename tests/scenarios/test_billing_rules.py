"""Billing rules on a moving clock: invoices issued before renewal, one-time packages, long
cycles on month ends, currencies without cents, failures in a run, merged customers,
reminders caught up, suspension and reinstatement. After each step, running the billing
run again does nothing more."""

from datetime import date
from decimal import Decimal

import pytest

from fairbill.automation import billing_run as run_module
from fairbill.catalog.models import Package
from fairbill.catalog.services import package_create, tax_rate_create
from fairbill.core.errors import InvalidInput
from fairbill.core.services import settings_update
from fairbill.customers.merge import customer_merge
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice
from fairbill.orders.services import _signup_invoice
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.services import credit_add, credit_balance, invoice_void
from fairbill.subscriptions.changes import subscription_change
from fairbill.subscriptions.services import subscription_update


def numbers():
    return sorted(Invoice.objects.values_list("number", flat=True))


def test_one_time_package_is_billed_once_and_never_again(billing, system):
    # given a one-time package started on 31 January
    package_create(actor=system, name="Setup", prices=[{"cycle": "one_time", "price": "99.00"}])
    sub = billing.subscribe(package="Setup", cycle="one_time", start=date(2027, 1, 31))
    # when the run reaches it, then it is billed once
    assert billing.run(as_of=date(2027, 1, 31)).invoices_created == 1
    assert billing.periods(sub) == [(date(2027, 1, 31), None)]
    # and never again, whatever the date
    for day in (date(2027, 1, 31), date(2027, 2, 28), date(2028, 2, 29), date(2030, 1, 31)):
        billing.assert_nothing_more_to_bill(as_of=day)


def test_quarterly_on_the_31st_keeps_its_billing_day_across_a_leap_year(billing, system):
    package_create(actor=system, name="Quarter", prices=[{"cycle": "quarterly", "price": "30"}])
    sub = billing.subscribe(package="Quarter", cycle="quarterly", start=date(2027, 8, 31))
    billing.run(as_of=date(2028, 8, 31))
    assert [start for start, _ in billing.periods(sub)] == [
        date(2027, 8, 31),
        date(2027, 11, 30),
        date(2028, 2, 29),
        date(2028, 5, 31),
        date(2028, 8, 31),
    ]
    billing.assert_nothing_more_to_bill(as_of=date(2028, 11, 29))


def test_invoices_issued_before_renewal_are_due_from_the_period_start(billing, system):
    # given invoices issued 7 days before renewal and reminders from the due date
    settings_update(actor=system, invoice_days_before_renewal=7, reminder_days=[0])
    sub = billing.subscribe(package="Bronze", start=date(2027, 5, 1), setup_fee="0")
    # when the run reaches 7 days before the start
    assert billing.run(as_of=date(2027, 4, 24)).invoices_created == 1
    [first] = billing.invoices(sub)
    # then the invoice is issued that day and due 7 days after the period start
    assert (first.issue_date, first.due_date) == (date(2027, 4, 24), date(2027, 5, 8))
    billing.assert_nothing_more_to_bill(as_of=date(2027, 5, 7))
    # and its reminder is relative to that due date
    assert billing.run(as_of=date(2027, 5, 8)).reminders == 1


def test_upgrade_between_an_early_invoice_and_its_period_counts_from_the_day_made(
    billing, gold, admin, system
):
    # given Bronze £10/month, invoiced 7 days ahead, May and June both paid
    settings_update(actor=system, invoice_days_before_renewal=7)
    sub = billing.subscribe(package="Bronze", start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 4, 24))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 4, 25))
    billing.run(as_of=date(2027, 5, 25))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 5, 26))
    sub.refresh_from_db()
    # when it moves to Gold £30 on 28 May, before the June period starts
    plan, record = subscription_change(
        actor=admin,
        subscription=sub,
        package=gold,
        cycle="monthly",
        options=[],
        as_of=date(2027, 5, 28),
    )
    # then it pays Gold for the 4 days left of May (20 × 4/31 = 2.58) and all of June (20)
    assert plan.effective == date(2027, 5, 28)
    assert (plan.net, plan.total) == (Decimal("22.58"), Decimal("27.10"))
    assert record.invoice.lines.get().period_start == date(2027, 5, 28)
    sub.refresh_from_db()
    assert sub.renewal_date == date(2027, 7, 1)


def test_downgrade_between_an_early_invoice_and_its_period_credits_both_parts(
    billing, gold, admin, system
):
    settings_update(actor=system, invoice_days_before_renewal=7)
    sub = billing.subscribe(package="Gold", start=date(2027, 5, 1))
    billing.run(as_of=date(2027, 4, 24))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 4, 25))
    billing.run(as_of=date(2027, 5, 25))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 5, 26))
    sub.refresh_from_db()
    plan, _ = subscription_change(
        actor=admin,
        subscription=sub,
        package=Package.objects.get(name="Bronze"),
        cycle="monthly",
        options=[],
        as_of=date(2027, 5, 28),
    )
    # −20 × 4/31 − 20 = −22.58, credited with its VAT 4.52
    assert (plan.net, plan.credit) == (Decimal("-22.58"), Decimal("27.10"))
    assert credit_balance(billing.customer) == Decimal("27.10")


def test_change_before_a_first_period_billed_ahead_counts_from_its_start(
    billing, gold, admin, system
):
    settings_update(actor=system, invoice_days_before_renewal=7)
    sub = billing.subscribe(package="Bronze", start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 4, 24))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 4, 25))
    sub.refresh_from_db()
    plan, _ = subscription_change(
        actor=admin,
        subscription=sub,
        package=gold,
        cycle="monthly",
        options=[],
        as_of=date(2027, 4, 28),
    )
    assert (plan.effective, plan.net) == (date(2027, 5, 1), Decimal("20.00"))


def test_an_unpaid_early_invoice_blocks_a_change(billing, gold, admin, system):
    from fairbill.core.errors import Refused

    settings_update(actor=system, invoice_days_before_renewal=7)
    sub = billing.subscribe(package="Bronze", start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 4, 24))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 4, 25))
    billing.run(as_of=date(2027, 5, 25))
    sub.refresh_from_db()
    with pytest.raises(Refused, match="Invoice INV-00002"):
        subscription_change(
            actor=admin,
            subscription=sub,
            package=gold,
            cycle="monthly",
            options=[],
            as_of=date(2027, 5, 28),
        )


def test_a_currency_without_minor_unit_is_rounded_to_whole_yen(billing, system):
    package_create(
        actor=system, name="Yen", prices=[{"cycle": "monthly", "price": "1005", "currency": "JPY"}]
    )
    tax_rate_create(actor=system, country="JP", name="CT", rate="10")
    jp = customer_create(
        actor=system, name="K", email="k@example.com", country="JP", currency="JPY"
    )
    sub = billing.subscribe(package="Yen", start=date(2027, 5, 1), customer=jp)
    billing.run(as_of=date(2027, 5, 1))
    [invoice] = billing.invoices(sub, customer=jp)
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal(1005),
        Decimal(101),
        Decimal(1106),
    )


def test_a_currency_finer_than_the_stored_amounts_is_refused(business, system):
    # BHD has 3 decimals; amounts are stored with 2, so 1.235 would be saved as 1.24
    with pytest.raises(InvalidInput, match="currency"):
        customer_create(actor=system, name="B", email="b@example.com", country="BH", currency="BHD")
    with pytest.raises(InvalidInput, match="BHD"):
        package_create(
            actor=system,
            name="Dinar",
            prices=[{"cycle": "monthly", "price": "1.235", "currency": "BHD"}],
        )


def test_a_failing_customer_is_marked_error_and_the_others_are_billed_gaplessly(
    billing, admin, system, monkeypatch
):
    customers = [
        customer_create(actor=system, name=f"C{i}", email=f"c{i}@example.com", country="GB")
        for i in range(3)
    ]
    subs = [billing.subscribe(start=date(2027, 5, 1), customer=c) for c in customers]
    broken = customers[1].pk
    prepare = run_module.invoice_rows_prepare

    def failing_prepare(**kwargs):
        if kwargs["customer_id"] == broken:
            raise RuntimeError("address service down")
        return prepare(**kwargs)

    monkeypatch.setattr(run_module, "invoice_rows_prepare", failing_prepare)
    report = billing.run(as_of=date(2027, 5, 1))
    assert (report.invoices_created, len(report.errors)) == (2, 1)
    assert numbers() == ["INV-00001", "INV-00002"]
    subs[1].refresh_from_db()
    assert subs[1].status == "error"
    # fixed: still not billed until staff set it back to active
    monkeypatch.setattr(run_module, "invoice_rows_prepare", prepare)
    assert billing.run(as_of=date(2027, 6, 1)).invoices_created == 2
    subscription_update(actor=admin, subscription=subs[1], status="active")
    assert billing.run(as_of=date(2027, 6, 1)).invoices_created == 1
    assert numbers() == [f"INV-0000{n}" for n in range(1, 6)]
    billing.assert_nothing_more_to_bill(as_of=date(2027, 6, 1))


def test_a_merged_customers_subscription_keeps_billing_on_the_target(billing, admin, system):
    duplicate = customer_create(actor=system, name="Dup", email="d@example.com", country="GB")
    billing.subscribe(start=date(2027, 5, 1))
    billing.subscribe(start=date(2027, 5, 10), customer=duplicate)
    billing.run(as_of=date(2027, 5, 10))
    customer_merge(actor=admin, target=billing.customer, source=duplicate)
    report = billing.run(as_of=date(2027, 6, 10))
    assert report.invoices_created == 1
    invoice = billing.invoices()[-1]
    assert invoice.lines.filter(kind="package").count() == 2
    assert numbers() == ["INV-00001", "INV-00002", "INV-00003"]
    billing.assert_nothing_more_to_bill(as_of=date(2027, 6, 10))


def test_credit_used_by_a_credited_invoice_comes_back_with_the_payment(billing, admin):
    credit_add(
        actor=admin, customer=billing.customer, amount="5.00", reason="x", on=date(2027, 5, 1)
    )
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    [invoice] = billing.invoices(sub)
    assert (invoice.credit_applied, invoice.balance) == (Decimal("5.00"), Decimal("7.00"))
    billing.pay(invoice, on=date(2027, 5, 2))
    # a paid invoice is corrected by a credit note, not voided
    credit_note_issue(actor=admin, invoice=invoice, reason="Wrong", on=date(2027, 5, 3))
    assert credit_balance(billing.customer) == Decimal("12.00")
    # the credited period is not billed again; the next renewal uses the credit
    billing.run(as_of=date(2027, 6, 1))
    assert billing.invoices(sub)[-1].credit_applied == Decimal("12.00")


def test_suspended_stays_suspended_after_a_partial_payment(billing, system):
    settings_update(actor=system, reminder_days=[0], suspend_days_after_due=5)
    sub = billing.subscribe(start=date(2027, 5, 1), setup_fee="0")
    billing.run(as_of=date(2027, 5, 1))
    assert billing.run(as_of=date(2027, 5, 20)).suspensions == 1  # caught up
    billing.assert_nothing_more_to_bill(as_of=date(2027, 5, 25))
    [invoice] = billing.invoices(sub)
    billing.pay(invoice, Decimal("5.00"), on=date(2027, 5, 26))
    sub.refresh_from_db()
    assert sub.status == "suspended"
    billing.pay(invoice, on=date(2027, 5, 27))
    sub.refresh_from_db()
    assert sub.status == "active"


def test_voiding_an_unpaid_signup_invoice_does_not_activate_the_order(billing, admin):
    # given an order: a pending subscription and its signup invoice
    sub = billing.subscribe(start=date(2027, 5, 1), status="pending")
    invoice = _signup_invoice(actor=admin, customer=billing.customer, subscription=sub)
    # when staff void the unpaid invoice
    invoice_void(actor=admin, invoice=invoice, reason="Order abandoned", on=date(2027, 5, 2))
    # then the order stays pending: nothing was paid
    sub.refresh_from_db()
    assert sub.status == "pending"


def test_dry_run_makes_what_the_real_run_makes(billing, admin):
    credit_add(
        actor=admin, customer=billing.customer, amount="5.00", reason="x", on=date(2027, 5, 1)
    )
    billing.subscribe(start=date(2027, 3, 1))
    billing.subscribe(package="Bronze", cycle="annually", start=date(2027, 4, 30))
    dry = billing.run(as_of=date(2027, 5, 1), dry_run=True)
    real = billing.run(as_of=date(2027, 5, 1))
    assert dry.counts() == real.counts()
    [invoice] = billing.invoices()
    assert [p["total"] for p in dry.preview] == [str(invoice.total)]
