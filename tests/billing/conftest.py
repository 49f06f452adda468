"""A small billing driver for tests: subscribe through the real services, run the billing
run on a date, look at what it made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from fairbill.automation.billing_run import billing_run
from fairbill.catalog.models import Package
from fairbill.core.actors import Actor
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.payments.services import payment_record
from fairbill.subscriptions.services import subscription_create


class Billing:
    def __init__(self, customer, actor, on_commit):
        self.customer = customer
        self.actor = actor
        self.reports = []
        self.on_commit = on_commit  # runs after-commit work (emails) as a real commit would

    def subscribe(self, *, package="Bronze", cycle="monthly", start, customer=None, **kwargs):
        return subscription_create(
            actor=self.actor,
            customer=customer or self.customer,
            package=Package.objects.get(name=package),
            cycle=cycle,
            start_date=start,
            **kwargs,
        )

    def run(self, *, as_of: date, **kwargs):
        with (
            time_machine.travel(as_of.isoformat() + " 06:00Z", tick=False),
            self.on_commit(execute=True),
        ):
            report = billing_run(as_of=as_of, actor=Actor.system("billing run"), **kwargs)
        self.reports.append(report)
        return report

    def invoices(self, subscription=None, customer=None):
        invoices = Invoice.objects.filter(customer=customer or self.customer)
        if subscription is not None:
            invoices = invoices.filter(lines__subscription=subscription).distinct()
        return list(invoices.order_by("sequence"))

    def periods(self, subscription):
        return list(
            InvoiceLine.objects.filter(subscription=subscription, kind="package")
            .order_by("period_start")
            .values_list("period_start", "period_end")
        )

    def pay(self, invoice, amount=None, *, on, apply_credit="0"):
        invoice.refresh_from_db()
        with self.on_commit(execute=True):
            return payment_record(
                actor=self.actor,
                invoice=invoice,
                amount=amount if amount is not None else invoice.balance,
                method="bank_transfer",
                on=on,
                apply_credit=apply_credit,
            )

    def assert_nothing_more_to_bill(self, *, as_of: date):
        before = Invoice.objects.count()
        report = self.run(as_of=as_of)
        assert report.invoices_created == 0
        assert report.reminders == 0
        assert report.suspensions == 0
        assert report.cancellations == 0
        assert Invoice.objects.count() == before


@pytest.fixture
def billing(customer, admin, bronze, gb_vat, django_capture_on_commit_callbacks):
    return Billing(customer, admin, django_capture_on_commit_callbacks)


@pytest.fixture
def gold(business, system):
    from fairbill.catalog.services import package_create

    return package_create(
        actor=system,
        name="Gold",
        prices=[
            {"cycle": "monthly", "price": Decimal("30.00"), "setup_fee": Decimal("0")},
            {"cycle": "annually", "price": Decimal("300.00"), "setup_fee": Decimal("0")},
        ],
    )
