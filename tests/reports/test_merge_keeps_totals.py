from datetime import date

from fairbill.customers.merge import customer_merge
from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import payment_record
from fairbill.reports.selectors import (
    credit_balances,
    invoice_summary,
    revenue_by_month,
    sales,
    status_counts,
)
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_create


def dashboard(as_of):
    return (
        invoice_summary(as_of=as_of, currency="GBP"),
        sales(since=date(2027, 1, 1), until=as_of, currency="GBP"),
        revenue_by_month(as_of=as_of, currency="GBP"),
        sum(b for _, b in credit_balances(currency="GBP")),  # per customer they combine
        status_counts(Subscription),
    )


def test_merging_customers_leaves_the_dashboard_totals_unchanged(customer, admin, bronze, gb_vat):
    duplicate = customer_create(actor=admin, name="J. Smith", email="js@example.com", country="GB")
    subscription_create(
        actor=admin,
        customer=duplicate,
        package=bronze,
        cycle="monthly",
        start_date=date(2027, 3, 1),
    )
    for who, amount in [(customer, "40.00"), (duplicate, "25.00"), (duplicate, "70.00")]:
        invoice = invoice_create(
            actor=admin,
            customer=who,
            issue_date=date(2027, 3, 2),
            lines=[{"description": "Work", "unit_price": amount}],
        )
        payment_record(
            actor=admin, invoice=invoice, amount="50.00", method="cash", on=date(2027, 3, 5)
        )
    before = dashboard(date(2027, 3, 31))
    customers_before = status_counts(type(customer))["active"]
    customer_merge(actor=admin, target=customer, source=duplicate)
    assert dashboard(date(2027, 3, 31)) == before
    # one active customer fewer: the duplicate is closed
    assert status_counts(type(customer))["active"] == customers_before - 1
