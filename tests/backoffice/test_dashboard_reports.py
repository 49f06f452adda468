"""Back office → the dashboard (counts, invoices, sales, charts), customers' packages by
status, and the reports with their CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from fairbill.core import clock
from fairbill.customers.services import customer_create, customer_set_status
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import credit_add, payment_record
from fairbill.subscriptions.services import subscription_create, subscription_update

TODAY = date(2027, 6, 15)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2027-06-15 10:00:00+01:00", tick=False):
        yield


def issue(actor, customer, amount, on):
    return invoice_create(
        actor=actor,
        customer=customer,
        lines=[{"description": "Work", "quantity": "1", "unit_price": amount}],
        issue_date=on,
    )


@pytest.fixture
def books(customer, bronze, gb_vat, system):
    """One paid invoice in May, one due, one overdue 40 days, a monthly Bronze and an annual
    one, a suspended customer."""
    paid = issue(system, customer, "100.00", date(2027, 5, 3))
    payment_record(actor=system, invoice=paid, amount="120.00", method="card", on=date(2027, 5, 4))
    issue(system, customer, "10.00", date(2027, 6, 10))  # due 17 June
    issue(system, customer, "20.00", date(2027, 4, 29))  # due 6 May: 40 days late
    for cycle in ("monthly", "annually"):
        subscription_create(
            actor=system, customer=customer, package=bronze, cycle=cycle, start_date=TODAY
        )
    other = customer_create(actor=system, name="Bob", email="bob@example.com", country="GB")
    customer_set_status(actor=system, customer=other, status="suspended")
    return paid


# Dashboard


def test_dashboard_counts_customers_and_packages_per_status_with_links(staff_client, books):
    response = staff_client.get("/")
    customers = {s: n for s, _, n in response.context["customer_counts"]}
    packages = {s: n for s, _, n in response.context["package_counts"]}
    assert (customers["active"], customers["suspended"], customers["error"]) == (1, 1, 0)
    assert (packages["active"], packages["pending"]) == (2, 0)
    html = response.content.decode()
    assert "/customers/?status=suspended" in html
    assert "/packages/subscriptions/?status=active" in html


def test_dashboard_invoices_paid_due_overdue_with_amounts_and_links(staff_client, books):
    response = staff_client.get("/")
    invoices = response.context["invoices"]
    assert (invoices["paid"].count, invoices["paid"].amount) == (1, Decimal("120.00"))
    assert (invoices["due"].count, invoices["due"].amount) == (1, Decimal("12.00"))
    assert (invoices["overdue"].count, invoices["overdue"].amount) == (1, Decimal("24.00"))
    html = response.content.decode()
    assert "/invoices/?status=paid" in html
    assert "/invoices/?status=unpaid&amp;overdue=on" in html


def test_dashboard_sales_against_active_customers(staff_client, books):
    context = staff_client.get("/").context
    # past month: 16 May – 15 June: the 10.00 invoice; past year: all three (130.00)
    assert context["sales_month"] == Decimal("10.00")
    assert context["sales_year"] == Decimal("130.00")
    assert context["active_customers"] == 1
    assert context["sales_year_each"] == Decimal("130.00")


def test_dashboard_charts_are_server_rendered_svg(staff_client, books):
    response = staff_client.get("/")
    html = response.content.decode()
    assert html.count("<svg") == 3
    assert "<script" not in html.split("<main", 1)[1]
    # MRR: monthly Bronze 10.00 + annual 100.00 / 12 = 18.33
    assert response.context["mrr"] == Decimal("18.33")
    assert response.context["mrr_by_package"] == [("Bronze", Decimal("18.33"))]
    ages = {label: amount for label, amount, _ in response.context["overdue_by_age"]}
    assert ages["31–60 days"] == Decimal("24.00")
    assert "May: £120" in html  # revenue bar tooltip


def test_dashboard_stays_within_a_fixed_number_of_queries(
    staff_client, customer, system, gb_vat, django_assert_max_num_queries
):
    today = clock.today()
    for n in range(100):
        invoice = issue(system, customer, "10.00", today - timedelta(days=n * 3))
        if n % 2:
            payment_record(
                actor=system, invoice=invoice, amount="12.00", method="cash", on=invoice.issue_date
            )
    # 20, and one for the automatic collections (collected this month, failed charges).
    with django_assert_max_num_queries(21):
        response = staff_client.get("/")
    assert response.context["invoices"]["paid"].count == 50  # all paid in the past year


def test_dashboard_opens_for_staff_without_privileges_and_shows_no_figures(client_with, books):
    html = client_with().get("/").content.decode()
    assert "/packages/subscriptions/?status=" not in html  # no customers privilege: no link
    assert "Customers and packages" not in html
    assert "Revenue per month" not in html
    assert "need the <strong>customers</strong>" in html


def test_dashboard_shows_a_packages_clerk_their_area_and_no_figures(client_with, books):
    html = client_with("packages").get("/").content.decode()
    assert 'href="/packages/"' in html
    assert "Sales" not in html
    assert "Monthly recurring revenue" not in html


def test_dashboard_shows_customer_counts_to_the_customers_privilege_only(client_with, books):
    html = client_with("customers").get("/").content.decode()
    assert "/customers/?status=active" in html
    assert "Revenue per month" not in html
    assert "/invoices/?status=" not in html


def test_dashboard_shows_money_to_reports_without_links_to_invoices(client_with, books):
    html = client_with("reports").get("/").content.decode()
    assert "Revenue per month" in html
    assert "Overdue by age" in html
    assert "/invoices/?status=" not in html  # no invoices privilege: figures without links
    assert "/customers/?status=" not in html
    assert "Customers and packages" not in html


# Customers' packages by status


def test_packages_list_filters_by_status_and_marks_changes(staff_client, books, system):
    from fairbill.subscriptions.models import Subscription

    suspended = Subscription.objects.first()
    subscription_update(actor=system, subscription=suspended, status="suspended")
    response = staff_client.get("/packages/subscriptions/", {"status": "suspended"})
    assert [s.pk for s in response.context["page"].object_list] == [suspended.pk]
    all_ = staff_client.get("/packages/subscriptions/").context["page"].object_list
    assert len(all_) == 2


def test_packages_list_needs_the_customers_privilege(client_with, books):
    assert client_with("packages").get("/packages/subscriptions/").status_code == 403


# Reports


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_reports_page_links_every_report_and_the_login_report(staff_client, business):
    html = staff_client.get("/reports/").content.decode()
    for url in ("paid-invoices", "payments", "credit", "tax", "logins"):
        assert f"/reports/{url}/" in html


def test_paid_invoices_report_and_csv(staff_client, books):
    params = {"since": "2027-05-01", "until": "2027-05-31"}
    page = staff_client.get("/reports/paid-invoices/", params)
    assert books.number in page.content.decode()
    # the note is true of a credit note issued before the payment and of one refunded after
    assert "the rest of it was paid" not in page.content.decode()
    assert (
        "taken off what was left to pay when issued before the payment, refunded or kept as "
        "account credit when issued after it." in page.content.decode()
    )
    response = staff_client.get("/reports/paid-invoices/", {**params, "export": "csv"})
    assert "paid-invoices-2027-05-01-2027-05-31.csv" in response["Content-Disposition"]
    assert rows_of(response) == [
        ["Number", "Customer", "Issued", "Paid on", "Net", "Tax", "Total", "Credited"],
        [
            books.number,
            "Jane Smith",
            "2027-05-03",
            "2027-05-04",
            "100.00",
            "20.00",
            "120.00",
            "0.00",
        ],
    ]


def test_a_long_report_shows_its_first_rows_with_the_totals_of_all(
    staff_client, customer, system, gb_vat, monkeypatch
):
    from fairbill.backoffice.views import reports

    # given five invoices paid in May, and a report page that shows three rows
    monkeypatch.setattr(reports, "SHOWN", 3)
    for day in range(1, 6):
        invoice = issue(system, customer, "10.00", date(2027, 5, day))
        payment_record(
            actor=system, invoice=invoice, amount="12.00", method="card", on=invoice.issue_date
        )
    params = {"since": "2027-05-01", "until": "2027-05-31"}
    # when staff open the report, then three rows show, and the totals are of all five
    page = staff_client.get("/reports/paid-invoices/", params)
    assert len(page.context["rows"]) == 3
    assert page.context["more"]
    assert page.context["totals"][4:] == [
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
        Decimal("0.00"),
    ]
    # and the CSV export has every row
    assert (
        len(rows_of(staff_client.get("/reports/paid-invoices/", {**params, "export": "csv"}))) == 6
    )


def test_the_credit_report_totals_every_balance_beyond_the_rows_shown(
    staff_client, business, system, monkeypatch
):
    from fairbill.backoffice.views import reports

    monkeypatch.setattr(reports, "SHOWN", 2)
    for n in range(4):
        who = customer_create(actor=system, name=f"C{n}", email=f"c{n}@example.com", country="GB")
        credit_add(
            actor=system, customer=who, amount=f"{n + 1}.00", reason="goodwill", on=clock.today()
        )
    page = staff_client.get("/reports/credit/")
    assert [row[3][0] for row in page.context["rows"]] == [Decimal("4.00"), Decimal("3.00")]
    assert page.context["totals"][3] == Decimal("10.00")


def test_paid_invoices_outside_the_dates_are_left_out(staff_client, books):
    params = {"since": "2027-06-01", "until": "2027-06-30", "export": "csv"}
    assert rows_of(staff_client.get("/reports/paid-invoices/", params))[1:] == []


def test_reversed_dates_are_an_error_on_the_page_not_swapped(staff_client, books):
    # when staff ask for a report from 31 May back to 1 May
    page = staff_client.get(
        "/reports/paid-invoices/", {"since": "2027-05-31", "until": "2027-05-01"}
    )
    # then the page says the dates are the wrong way round and shows no figures
    assert page.status_code == 400
    html = page.content.decode()
    assert "1 May 2027 is before the “From” date, 31 May 2027" in html
    assert books.number not in html
    assert "Export CSV" not in html
    # and the CSV is refused too
    csv = staff_client.get(
        "/reports/paid-invoices/", {"since": "2027-05-31", "until": "2027-05-01", "export": "csv"}
    )
    assert csv.status_code == 400
    assert "is before" in csv.content.decode()


@pytest.mark.parametrize("value", ["yesterday", "2027-13-45", "3027-01-01"])
def test_a_date_that_is_not_a_date_is_an_error_on_the_page(staff_client, books, value):
    page = staff_client.get("/reports/tax/", {"since": value, "until": "2027-06-30"})
    assert page.status_code == 400
    errors = page.context["filters"].errors
    assert list(errors) == ["since"]
    assert "These dates can" in page.content.decode()


def test_payments_by_method_csv(staff_client, books, customer, system):
    invoice = issue(system, customer, "5.00", date(2027, 6, 1))
    payment_record(actor=system, invoice=invoice, amount="6.00", method="cash", on=TODAY)
    response = staff_client.get("/reports/payments/", {"export": "csv"})
    assert rows_of(response) == [
        ["Method", "Payments", "Amount"],
        ["Card", "1", "120.00"],
        ["Cash", "1", "6.00"],
    ]


def test_credit_balances_csv_on_a_date(staff_client, customer, system, business):
    credit_add(
        actor=system, customer=customer, amount="30.00", reason="Goodwill", on=date(2027, 3, 1)
    )
    credit_add(actor=system, customer=customer, amount="5.00", reason="Later", on=date(2027, 6, 1))
    response = staff_client.get("/reports/credit/", {"until": "2027-04-30", "export": "csv"})
    assert rows_of(response) == [
        ["Customer id", "Customer", "Email", "Balance"],
        [str(customer.pk), "Jane Smith", "jane@example.com", "30.00"],
    ]


def test_tax_collected_by_rate_and_month_csv(staff_client, books):
    response = staff_client.get(
        "/reports/tax/", {"since": "2027-04-01", "until": "2027-06-30", "export": "csv"}
    )
    assert rows_of(response) == [
        ["Month", "Tax", "Rate %", "Net", "Tax amount"],
        ["2027-04", "VAT", "20", "20.00", "4.00"],
        ["2027-05", "VAT", "20", "100.00", "20.00"],
        ["2027-06", "VAT", "20", "10.00", "2.00"],
    ]
    page = staff_client.get("/reports/tax/", {"since": "2027-04-01", "until": "2027-06-30"})
    html = page.content.decode()
    assert "£130.00" in html  # the net total
    assert "Export CSV" in html


def test_reports_need_the_reports_privilege(client_with, business):
    client = client_with("customers", "invoices")
    for url in ("/reports/", "/reports/paid-invoices/", "/reports/tax/?export=csv"):
        assert client.get(url).status_code == 403


def test_dashboard_lists_the_newest_customers_first(staff_client, books):
    # given Bob joined after Jane
    response = staff_client.get("/")
    # then the dashboard names the newest customers, newest first, with their status
    assert [c.name for c in response.context["newest_customers"]] == ["Bob", "Jane Smith"]
    html = response.content.decode()
    assert 'data-testid="newest-customers"' in html
    assert html.index(">Bob</a>") < html.index(">Jane Smith</a>")
