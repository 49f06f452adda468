"""Overdue has one definition, shared by the API, the back office, My Account and reports:
unpaid and past its due date."""

from datetime import date, timedelta

from fairbill.invoicing.models import Invoice
from fairbill.invoicing.selectors import due, overdue
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import payment_record

DUE = date(2027, 3, 8)


def test_an_invoice_is_overdue_the_day_after_its_due_date_until_it_is_paid(customer, admin):
    # given an unpaid invoice due on 8 March
    invoice = invoice_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "Work", "quantity": "1", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 1),
        due_date=DUE,
    )
    for day, late in [(DUE, False), (DUE + timedelta(days=1), True)]:
        # then on its due date it is due, and the day after overdue, in a query and in memory
        assert Invoice.objects.filter(overdue(day)).exists() is late
        assert Invoice.objects.filter(due(day)).exists() is not late
        assert invoice.is_overdue(day) is late
    # when it is paid, it is neither
    payment_record(actor=admin, invoice=invoice, amount="10.00", method="bank_transfer", on=DUE)
    later = DUE + timedelta(days=30)
    assert not Invoice.objects.filter(overdue(later) | due(later)).exists()
