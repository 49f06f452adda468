"""Credit notes in the reports: the tax collected nets them by rate and by the month of the
credit note's own date; the paid invoices report shows what each invoice had credited."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from fairbill.invoicing.services import invoice_create
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.services import payment_record
from fairbill.reports.selectors import paid_invoices_totals, tax_collected


def _invoice(customer, admin, amount, issued):
    return invoice_create(
        actor=admin,
        customer=customer,
        issue_date=issued,
        lines=[{"description": "Work", "unit_price": amount}],
    )


def _rows(since, until):
    return [
        (r.month, r.rate, r.net, r.tax)
        for r in tax_collected(since=since, until=until, currency="GBP")
    ]


def test_tax_collected_nets_credit_notes_in_the_month_of_their_date(customer, admin, gb_vat):
    # given January: £100 + £20 VAT (5 Jan) and £50 + £10 VAT (25 Jan)
    hundred = _invoice(customer, admin, "100.00", date(2027, 1, 5))
    fifty = _invoice(customer, admin, "50.00", date(2027, 1, 25))
    # and credit notes: £10 net (£2 VAT) on 28 January, £40 net (£8 VAT) on 3 February
    credit_note_issue(
        actor=admin, invoice=fifty, reason="Less work", on=date(2027, 1, 28), amount="10.00"
    )
    credit_note_issue(
        actor=admin, invoice=hundred, reason="Refund", on=date(2027, 2, 3), amount="40.00"
    )
    # then January nets its own note (£140, £28) and February holds the other, negative
    twenty = Decimal("20.0000")
    assert _rows(date(2027, 1, 1), date(2027, 2, 28)) == [
        (date(2027, 1, 1), twenty, Decimal("140.00"), Decimal("28.00")),
        (date(2027, 2, 1), twenty, Decimal("-40.00"), Decimal("-8.00")),
    ]
    # and a period of February alone shows only the credit note
    assert _rows(date(2027, 2, 1), date(2027, 2, 28)) == [
        (date(2027, 2, 1), twenty, Decimal("-40.00"), Decimal("-8.00"))
    ]


def test_the_tax_report_page_shows_the_netted_figures(staff_client, customer, admin, gb_vat):
    invoice = _invoice(customer, admin, "100.00", date(2027, 1, 5))
    credit_note_issue(actor=admin, invoice=invoice, reason="x", on=date(2027, 2, 3), amount="40.00")
    response = staff_client.get(
        "/reports/tax/", {"since": "2027-01-01", "until": "2027-02-28", "export": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1:] == [
        ["2027-01", "VAT", "20", "100.00", "20.00"],
        ["2027-02", "VAT", "20", "-40.00", "-8.00"],
    ]


def test_paid_invoices_report_shows_what_was_credited(staff_client, customer, admin, gb_vat):
    # given a £120.00 invoice credited £24.00 (£20 + VAT), the £96.00 left then paid
    invoice = _invoice(customer, admin, "100.00", date(2027, 5, 3))
    credit_note_issue(actor=admin, invoice=invoice, reason="x", on=date(2027, 5, 4), amount="20.00")
    payment_record(actor=admin, invoice=invoice, amount="96.00", method="cash", on=date(2027, 5, 5))
    # when the paid invoices report of May is read
    params = {"since": "2027-05-01", "until": "2027-05-31"}
    response = staff_client.get("/reports/paid-invoices/", {**params, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    # then the invoice shows its £24.00 credited, and the totals add it up
    assert rows[1][4:] == ["100.00", "20.00", "120.00", "24.00"]
    assert paid_invoices_totals(
        since=date(2027, 5, 1), until=date(2027, 5, 31), currency="GBP"
    ) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
        Decimal("24.00"),
    )
