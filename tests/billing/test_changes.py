"""Upgrades and downgrades with proration, worked out by hand, and preview = committed."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairbill.catalog.models import Package
from fairbill.core.errors import Refused
from fairbill.core.services import settings_update
from fairbill.invoicing.models import Invoice
from fairbill.payments.services import credit_balance
from fairbill.subscriptions.changes import subscription_change, subscription_change_preview
from fairbill.subscriptions.models import PackageChange


@pytest.fixture
def paid_april(billing, gold):
    """Bronze £10/month renewed on 1 April 2027 (a 30-day period), paid."""
    sub = billing.subscribe(package="Bronze", start=date(2027, 4, 1), setup_fee="0")
    billing.run(as_of=date(2027, 4, 1))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 4, 2))
    sub.refresh_from_db()
    return sub


def change(sub, admin, package, cycle="monthly", on=date(2027, 4, 16), **kwargs):
    return subscription_change(
        actor=admin,
        subscription=sub,
        package=Package.objects.get(name=package),
        cycle=cycle,
        options=[],
        as_of=on,
        **kwargs,
    )


def test_bronze_to_gold_on_day_15_of_a_30_day_period(paid_april, admin):
    # 15 days left of 30: Gold 30 × 15/30 = 15.00 − unused Bronze 10 × 15/30 = 5.00 → 10.00 + VAT
    plan, record = change(paid_april, admin, "Gold")
    assert (plan.net, plan.tax, plan.total) == (Decimal("10.00"), Decimal("2.00"), Decimal("12.00"))
    invoice = record.invoice
    assert (invoice.kind, invoice.total) == ("change", Decimal("12.00"))
    [line] = invoice.lines.all()
    assert line.description == (
        "Change from Bronze (monthly) to Gold (monthly), 16 Apr 2027 – 01 May 2027"
    )
    paid_april.refresh_from_db()
    assert (paid_april.package.name, paid_april.price) == ("Gold", Decimal("30.00"))
    assert paid_april.renewal_date == date(2027, 5, 1)  # same cycle: renewal date unchanged


def test_gold_to_bronze_credits_the_unused_time_with_its_tax(paid_april, admin):
    change(paid_april, admin, "Gold")
    Invoice.objects.filter(kind="change").update(status="paid", balance=0, amount_paid=12)
    # five days later, 10 days left of 30: Bronze 10 × 10/30 − Gold 30 × 10/30 = −6.67
    plan, record = change(paid_april, admin, "Bronze", on=date(2027, 4, 21))
    assert plan.net == Decimal("-6.67")
    assert plan.credit == Decimal("8.00")  # 6.67 + VAT 1.33
    assert record.invoice is None
    assert credit_balance(paid_april.customer) == Decimal("8.00")


def test_no_credit_on_downgrade_when_the_setting_is_off(paid_april, admin, system):
    settings_update(actor=system, credit_on_downgrade=False)
    change(paid_april, admin, "Gold")
    Invoice.objects.filter(kind="change").update(status="paid", balance=0, amount_paid=12)
    plan, _ = change(paid_april, admin, "Bronze", on=date(2027, 4, 21))
    assert plan.credit == Decimal("0")
    assert credit_balance(paid_april.customer) == Decimal("0")


def test_monthly_to_annual_starts_a_new_period(paid_april, admin):
    # 300 for a year from 16 April − unused Bronze 5.00 = 295.00 + VAT 59.00
    plan, record = change(paid_april, admin, "Gold", cycle="annually")
    assert (plan.net, plan.total) == (Decimal("295.00"), Decimal("354.00"))
    paid_april.refresh_from_db()
    assert (
        paid_april.cycle,
        paid_april.renewed_on,
        paid_april.renewal_date,
        paid_april.billing_day,
    ) == ("annually", date(2027, 4, 16), date(2028, 4, 16), 16)


def test_a_31_day_month(billing, gold, admin):
    sub = billing.subscribe(package="Bronze", start=date(2027, 3, 1), setup_fee="0")
    billing.run(as_of=date(2027, 3, 1))
    billing.pay(billing.invoices(sub)[-1], on=date(2027, 3, 1))
    sub.refresh_from_db()
    plan, _ = change(sub, admin, "Gold", on=date(2027, 3, 11))
    assert plan.net == Decimal("13.55")  # 20 × 21/31 = 13.548…


def test_unpaid_invoice_for_the_period_blocks_the_change(billing, gold, admin):
    sub = billing.subscribe(package="Bronze", start=date(2027, 4, 1))
    billing.run(as_of=date(2027, 4, 1))
    with pytest.raises(Refused, match="Invoice INV-00001 for this package is unpaid"):
        change(sub, admin, "Gold")
    assert not PackageChange.objects.exists()


def test_setup_fee_only_when_ticked(paid_april, admin, system):
    from fairbill.catalog.services import package_update

    package_update(
        actor=system,
        package=Package.objects.get(name="Gold"),
        prices=[{"cycle": "monthly", "price": "30.00", "setup_fee": "25.00"}],
    )
    plan = subscription_change_preview(
        subscription=paid_april,
        package=Package.objects.get(name="Gold"),
        cycle="monthly",
        options=[],
        as_of=date(2027, 4, 16),
    )
    assert plan.setup_fee == Decimal("0")
    plan, _ = change(paid_april, admin, "Gold", charge_setup_fee=True)
    assert plan.subtotal == Decimal("35.00")


def test_never_billed_package_changes_without_an_invoice(billing, gold, admin):
    sub = billing.subscribe(package="Bronze", start=date(2027, 6, 1))
    plan, record = change(sub, admin, "Gold", on=date(2027, 5, 20))
    assert (plan.total, record.invoice) == (Decimal("0"), None)
    billing.run(as_of=date(2027, 6, 1))
    assert billing.invoices(sub)[0].lines.get(kind="package").unit_price == Decimal("30.0000")


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    day=st.integers(1, 29),
    target=st.sampled_from(["Gold", "Bronze"]),
    cycle=st.sampled_from(["monthly", "annually"]),
)
def test_preview_equals_the_committed_change(paid_april, admin, day, target, cycle):
    from django.db import transaction

    class Rollback(Exception):
        pass

    on = date(2027, 4, day)
    package = Package.objects.get(name=target)
    try:
        with transaction.atomic():
            preview = subscription_change_preview(
                subscription=paid_april, package=package, cycle=cycle, options=[], as_of=on
            )
            plan, record = subscription_change(
                actor=admin,
                subscription=paid_april,
                package=package,
                cycle=cycle,
                options=[],
                as_of=on,
            )
            assert (preview.net, preview.tax, preview.total, preview.credit) == (
                plan.net,
                plan.tax,
                plan.total,
                plan.credit,
            )
            if record.invoice is not None:
                assert record.invoice.total == preview.total
            raise Rollback
    except Rollback:
        pass
