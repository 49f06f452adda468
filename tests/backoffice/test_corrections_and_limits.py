"""Back office: credit corrections and confirmations, overpayments confirmed, dates that
make no sense refused on their field, every invalid invoice line shown at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from fairbill.core.models import Event
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.notifications.models import EmailLog
from fairbill.payments.models import CreditEntry, Payment
from fairbill.payments.services import credit_add, credit_balance
from tests.backoffice.conftest import bill_and_pay, form_errors
from tests.backoffice.test_billing import lines_data
from tests.backoffice.test_package_edit_and_merge import edit_url, form_data


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel("2027-04-16 10:00:00+01:00", tick=False):
        yield


def _credit(client, customer, **data):
    return client.post(f"/customers/{customer.pk}/credit/", {"reason": "Typo", **data})


def test_remove_credit_takes_it_back_with_the_reason(staff_client, customer, system):
    credit_add(actor=system, customer=customer, amount="40.00", reason="x", on=date(2027, 4, 16))
    response = _credit(
        staff_client, customer, action="remove", amount="15.00", reason="Added twice"
    )
    assert response.status_code == 302
    assert credit_balance(customer) == Decimal("25.00")
    entry = CreditEntry.objects.get(kind="removed")
    assert (entry.amount, entry.reason) == (Decimal("-15.00"), "Added twice")
    assert Event.objects.filter(action="credit.removed").exists()
    assert response.url == f"/customers/{customer.pk}/credit/"
    html = staff_client.get(response.url).content.decode()
    assert "Removed by staff" in html


def test_remove_more_credit_than_there_is_is_refused(staff_client, customer):
    response = _credit(staff_client, customer, action="remove", amount="1.00")
    assert "£0.00 of credit" in " ".join(form_errors(response, "credit_form")["amount"])
    assert not CreditEntry.objects.exists()


def test_large_credit_asks_for_confirmation_then_adds_it(staff_client, customer):
    # when staff add £99,999 (above the £1,000 the business asks to confirm)
    response = _credit(staff_client, customer, action="add", amount="99999.00", notify="on")
    # then nothing is added and the form asks to confirm, naming the amount
    assert response.status_code == 200
    html = response.content.decode()
    assert "£99,999.00 of credit is more than £1,000.00" in html
    assert 'name="confirm" value="1"' in html
    assert not CreditEntry.objects.exists()
    # when they confirm
    response = _credit(
        staff_client, customer, action="add", amount="99999.00", notify="on", confirm="1"
    )
    assert response.status_code == 302
    assert credit_balance(customer) == Decimal("99999.00")
    assert EmailLog.objects.filter(template="credit_added").count() == 1


def test_absurd_credit_is_refused_outright(staff_client, customer):
    response = _credit(staff_client, customer, amount="99999999999", confirm="1")
    assert "the most Fairbill accepts" in " ".join(form_errors(response, "credit_form")["amount"])
    assert not CreditEntry.objects.exists()


def test_credit_can_be_added_without_an_email(staff_client, customer):
    _credit(staff_client, customer, action="add", amount="10.00")  # "notify" unticked
    assert credit_balance(customer) == Decimal("10.00")
    assert not EmailLog.objects.filter(template="credit_added").exists()


def test_the_confirmation_amount_is_a_business_setting(staff_client, customer, system):
    from fairbill.core.services import settings_update

    settings_update(actor=system, credit_confirm_above=Decimal("50"))
    response = _credit(staff_client, customer, amount="60.00")
    assert "confirm" in response.content.decode()
    assert not CreditEntry.objects.exists()


@pytest.fixture
def invoice(customer, system):
    return invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Work", "unit_price": "120.00"}],
        issue_date=date(2027, 4, 16),
    )


def test_a_payment_far_above_the_balance_asks_for_confirmation(staff_client, invoice):
    url = f"/invoices/{invoice.pk}/payment/"
    data = {"amount": "999999.00", "method": "cash", "on": "2027-04-16"}
    response = staff_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "far more than the £120.00 due" in html
    assert not Payment.objects.exists()
    response = staff_client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert CreditEntry.objects.get(kind="overpayment").amount == Decimal("999879.00")


def test_a_payment_dated_1990_is_refused_on_its_field(staff_client, invoice):
    response = staff_client.post(
        f"/invoices/{invoice.pk}/payment/",
        {"amount": "120.00", "method": "cash", "on": "1990-01-01"},
    )
    assert "too far from today" in " ".join(form_errors(response, "payment_form")["on"])
    assert not Payment.objects.exists()


@pytest.fixture
def sub(customer, bronze, gb_vat):
    sub, _ = bill_and_pay(customer, bronze, date(2027, 4, 1))
    return sub


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"renewal_date": "2027-03-01"}, "renewal_date", "can't be before the start date"),
        ({"renewed_on": "2027-06-01"}, "renewed_on", "can't be after the renewal date"),
        (
            {"renewal_date": "2999-12-31", "renewed_on": "2999-01-01"},
            "renewal_date",
            "too far from today",
        ),
        ({"start_date": "2027-06-01"}, "start_date", "can't be before the start date"),
    ],
)
def test_package_dates_that_make_no_sense_are_field_errors(
    staff_client, sub, changes, field, message
):
    before = (sub.start_date, sub.renewal_date, sub.renewed_on)
    response = staff_client.post(edit_url(sub), form_data(sub, **changes))
    assert response.status_code == 200
    assert message in " ".join(form_errors(response)[field])
    sub.refresh_from_db()
    assert (sub.start_date, sub.renewal_date, sub.renewed_on) == before


def test_the_date_window_is_a_business_setting(staff_client, sub, system):
    from fairbill.core.services import settings_update

    settings_update(actor=system, date_window_years=1)
    response = staff_client.post(edit_url(sub), form_data(sub, renewal_date="2028-06-01"))
    assert "between 16 Apr 2026 and 16 Apr 2028" in " ".join(form_errors(response)["renewal_date"])


def test_a_manual_invoice_due_far_away_or_before_today_is_a_field_error(staff_client, customer):
    url = f"/invoices/new?customer={customer.pk}"
    for due, message in (("2999-12-31", "too far from today"), ("2027-04-01", "before the issue")):
        response = staff_client.post(url, {**lines_data(("Work", "1", "10.00")), "due_date": due})
        assert message in " ".join(form_errors(response)["due_date"])
    assert not Invoice.objects.exists()


def test_every_invalid_invoice_line_is_shown_at_once(staff_client, customer):
    response = staff_client.post(
        f"/invoices/new?customer={customer.pk}",
        lines_data(
            ("Fine", "1", "10.00"),
            ("", "1", "10.00"),
            ("Bad price", "1", "ten"),
            ("Bad quantity", "0", "1.00"),
        ),
    )
    lines = response.context["lines"]
    assert [" ".join(lines[n].non_field_errors()) for n in range(4)] == [
        "",
        "Give a description.",
        "Unit price: 'ten' is not a number.",
        "Quantity must be more than 0 and at most 1,000,000.",
    ]
    assert not Invoice.objects.exists()
