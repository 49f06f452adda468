"""The refunds report: every refund of a period, of payments (by hand here; the gateway's
are the same rows) and by hand on credit notes, each counted once, with its total and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from fairbill.invoicing.models import CreditNote
from fairbill.invoicing.services import invoice_create
from fairbill.payments.credit_notes import credit_note_issue
from fairbill.payments.refunds import payment_refund
from fairbill.payments.services import payment_record
from fairbill.reports.refunds import refunds_given, refunds_total

pytestmark = pytest.mark.django_db


def _paid(customer, admin, amount, on):
    invoice = invoice_create(
        actor=admin,
        customer=customer,
        issue_date=on,
        lines=[{"description": "Work", "unit_price": amount}],
    )
    payment_record(actor=admin, invoice=invoice, amount=amount, method="bank_transfer", on=on)
    return invoice


def _refund(admin, payment, amount, reason, on):
    """A payment refunded by hand (no gateway)."""
    return payment_refund(
        actor=admin, payment=payment, amount=amount, reason=reason, on=on, gateway=None
    )


@pytest.fixture
def refunds(customer, admin):
    """12 January: £30 of a £100 payment given back (its credit note is the same money);
    20 January: £25 refunded by hand on a credit note (cash, receipt RCPT-7); 3 February: £5
    more of the payment."""
    first = _paid(customer, admin, "100.00", date(2027, 1, 5))
    payment = first.allocations.get().payment
    _refund(admin, payment, "30.00", "Overcharged", date(2027, 1, 12))
    second = _paid(customer, admin, "50.00", date(2027, 1, 15))
    credit_note_issue(
        actor=admin,
        invoice=second,
        reason="Cancelled in the first week",
        on=date(2027, 1, 20),
        amount="25.00",
        refund={"method": "cash", "date": date(2027, 1, 20), "reference": "RCPT-7"},
    )
    _refund(admin, payment, "5.00", "Goodwill", date(2027, 2, 3))
    return payment


def test_each_refund_is_listed_once_by_day_with_its_method_and_reference(refunds, customer):
    rows = list(refunds_given(since=date(2027, 1, 1), until=date(2027, 2, 28), currency="GBP"))
    note = CreditNote.objects.get(refund_reference="RCPT-7")
    assert [(r.day, r.method, r.document, r.reference, r.amount) for r in rows] == [
        (date(2027, 1, 12), "Bank transfer", f"Payment #{refunds.pk}", "", Decimal("30.00")),
        (date(2027, 1, 20), "Cash", f"Credit note {note.number}", "RCPT-7", Decimal("25.00")),
        (date(2027, 2, 3), "Bank transfer", f"Payment #{refunds.pk}", "", Decimal("5.00")),
    ]
    assert {r.customer for r in rows} == {customer.name}
    # the payment's refunds issued credit notes too: not counted a second time
    assert CreditNote.objects.filter(refunded__gt=0).count() == 3
    assert refunds_total(since=date(2027, 1, 1), until=date(2027, 2, 28), currency="GBP") == (
        Decimal("60.00")
    )


def test_the_period_and_the_limit_bound_the_rows_and_the_total_counts_the_period(refunds):
    january = {"since": date(2027, 1, 1), "until": date(2027, 1, 31), "currency": "GBP"}
    assert [r.amount for r in refunds_given(**january)] == [Decimal("30.00"), Decimal("25.00")]
    assert [r.amount for r in refunds_given(**january, limit=1)] == [Decimal("30.00")]
    assert refunds_total(**january) == Decimal("55.00")
    assert (
        list(refunds_given(since=date(2027, 1, 1), until=date(2027, 2, 28), currency="EUR")) == []
    )


def test_the_report_page_and_its_csv(staff_client, refunds):
    period = {"since": "2027-01-01", "until": "2027-02-28"}
    page = staff_client.get("/reports/refunds/", period).content.decode()
    assert "RCPT-7" in page
    assert "Overcharged" in page
    assert "£60.00" in page  # the total
    response = staff_client.get("/reports/refunds/", {**period, "export": "csv"})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Date", "Customer", "Method", "Refund of", "Reference", "Reason", "Amount"]
    assert [(r[0], r[2], r[6]) for r in rows[1:]] == [
        ("2027-01-12", "Bank transfer", "30.00"),
        ("2027-01-20", "Cash", "25.00"),
        ("2027-02-03", "Bank transfer", "5.00"),
    ]
    assert staff_client.get("/reports/").content.decode().count("/reports/refunds/") == 1


def test_the_report_page_reads_a_bounded_number_of_queries(
    staff_client, customer, admin, django_assert_max_num_queries
):
    # given forty refunds, half of payments and half by hand on credit notes
    for n in range(20):
        on = date(2027, 1, 1 + n)
        invoice = _paid(customer, admin, "10.00", on)
        payment = invoice.allocations.get().payment
        _refund(admin, payment, "1.00", "x", on)
        credit_note_issue(
            actor=admin,
            invoice=invoice,
            reason="y",
            on=on,
            amount="2.00",
            refund={"method": "bank_transfer", "date": on, "reference": f"T{n}"},
        )
    with django_assert_max_num_queries(12):
        response = staff_client.get(
            "/reports/refunds/", {"since": "2027-01-01", "until": "2027-01-31"}
        )
    assert response.content.decode().count("<tr") >= 40


def test_revenue_per_month_is_payments_less_refunds(refunds):
    from fairbill.reports.selectors import revenue_by_month

    months = dict(revenue_by_month(as_of=date(2027, 2, 28), currency="GBP", months=2))
    # January: £100 + £50 received, £30 and £25 given back; February: £5 given back
    assert months == {date(2027, 1, 1): Decimal("95.00"), date(2027, 2, 1): Decimal("-5.00")}


def test_a_report_opened_without_dates_shows_its_period_in_the_fields(staff_client):
    from fairbill.core import clock

    page = staff_client.get("/reports/refunds/").content.decode()
    today = clock.today()
    assert f'value="{today:%Y}-01-01"' in page
    assert f'value="{today:%Y-%m-%d}"' in page
