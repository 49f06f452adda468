from datetime import date
from decimal import Decimal

from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import payment_record
from fairbill.reports.charts import bar_chart
from fairbill.reports.selectors import (
    invoice_summary,
    monthly_recurring_revenue,
    overdue_by_age,
    revenue_by_month,
    sales,
    status_counts,
    tax_collected,
)
from fairbill.subscriptions.services import subscription_create


def make_invoice(customer, admin, amount, issued):
    return invoice_create(
        actor=admin,
        customer=customer,
        issue_date=issued,
        lines=[{"description": "Work", "unit_price": amount}],
    )


def test_invoices_paid_due_and_overdue(customer, admin, gb_vat):
    paid = make_invoice(customer, admin, "100.00", date(2027, 1, 5))
    payment_record(actor=admin, invoice=paid, amount="120.00", method="cash", on=date(2027, 1, 6))
    make_invoice(customer, admin, "10.00", date(2027, 2, 1))  # due 8 Feb: overdue on 20 Feb
    make_invoice(customer, admin, "20.00", date(2027, 2, 18))  # due 25 Feb
    summary = invoice_summary(as_of=date(2027, 2, 20), currency="GBP")
    assert (summary["paid"].count, summary["paid"].amount) == (1, Decimal("120.00"))
    assert (summary["due"].count, summary["due"].amount) == (1, Decimal("24.00"))
    assert (summary["overdue"].count, summary["overdue"].amount) == (1, Decimal("12.00"))
    assert sales(since=date(2027, 2, 1), until=date(2027, 2, 28), currency="GBP") == Decimal("30")


def test_overdue_by_age_buckets(customer, admin, gb_vat):
    for issued in [date(2027, 5, 1), date(2027, 3, 25), date(2027, 1, 1)]:
        make_invoice(customer, admin, "10.00", issued)  # due 7 days later
    buckets = overdue_by_age(as_of=date(2027, 5, 20), currency="GBP")
    assert [(label, count) for label, _, count in buckets] == [
        ("0–30 days", 1),
        ("31–60 days", 1),
        ("61–90 days", 0),
        ("90+ days", 1),
    ]


def test_revenue_by_month_has_twelve_months_with_gaps(customer, admin, gb_vat):
    invoice = make_invoice(customer, admin, "100.00", date(2027, 3, 1))
    payment_record(actor=admin, invoice=invoice, amount="50.00", method="cash", on=date(2027, 3, 2))
    payment_record(actor=admin, invoice=invoice, amount="70.00", method="cash", on=date(2027, 5, 9))
    months = revenue_by_month(as_of=date(2027, 6, 15), currency="GBP")
    assert len(months) == 12
    assert months[0][0] == date(2026, 7, 1)
    assert dict(months)[date(2027, 3, 1)] == Decimal("50.00")
    assert dict(months)[date(2027, 5, 1)] == Decimal("70.00")
    assert dict(months)[date(2027, 4, 1)] == Decimal("0")


def test_mrr_normalises_cycles(customer, admin, bronze, business):
    subscription_create(
        actor=admin, customer=customer, package=bronze, cycle="monthly", start_date=date(2027, 1, 1)
    )
    subscription_create(
        actor=admin,
        customer=customer,
        package=bronze,
        cycle="annually",
        start_date=date(2027, 1, 1),
    )
    assert monthly_recurring_revenue(currency="GBP") == Decimal("18.33")  # 10 + 100/12
    assert status_counts(type(customer))["active"] == 1


def test_tax_collected_by_month_and_rate(customer, admin, gb_vat):
    make_invoice(customer, admin, "100.00", date(2027, 1, 5))
    make_invoice(customer, admin, "50.00", date(2027, 1, 25))
    [row] = tax_collected(since=date(2027, 1, 1), until=date(2027, 1, 31), currency="GBP")
    assert (row.month, row.rate, row.net, row.tax) == (
        date(2027, 1, 1),
        Decimal("20.0000"),
        Decimal("150.00"),
        Decimal("30.00"),
    )


def test_bar_chart_escapes_labels_and_scales_bars():
    svg = bar_chart(
        [("<Jan>", Decimal("50")), ("Feb", Decimal("100"))],
        title="Revenue",
        fmt=lambda v: f"£{v:,.0f}",
    )
    assert svg.startswith("<svg")
    assert "&lt;Jan&gt;" in svg
    assert "<Jan>" not in svg
    assert "£100" in svg
    assert bar_chart([], title="Empty", fmt=str).count("No data yet") == 1
