"""POST /invoices/{id}/payments: money received and account credit used on an invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.core.models import Event
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import Payment
from fairbill.payments.services import credit_add, credit_balance
from tests.api.checks import assert_invalid, rows


def pay(api, invoice, **body):
    return api.post(f"/invoices/{invoice.pk}/payments", {"method": "bank_transfer", **body})


def test_record_a_full_payment(api, invoice, today, django_capture_on_commit_callbacks):
    # when the whole balance is received by bank transfer
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(api, invoice, amount="120.00", date="2027-03-09", reference="BACS 991")
    # then the invoice is paid, and the answer has the invoice and the payment
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"invoice", "payment"}
    assert (body["invoice"]["status"], body["invoice"]["balance"]) == ("paid", "0.00")
    assert (body["invoice"]["amount_paid"], body["invoice"]["overdue"]) == ("120.00", False)
    assert body["invoice"]["paid_on"] == "2027-03-09"
    payment = body["payment"]
    assert (payment["amount"], payment["currency"], payment["method"]) == (
        "120.00",
        "GBP",
        "bank_transfer",
    )
    assert (payment["date"], payment["reference"]) == ("2027-03-09", "BACS 991")
    assert Payment.objects.get(pk=payment["id"]).amount == Decimal("120.00")
    assert Event.objects.filter(action="payment.recorded", subject_id=payment["id"]).exists()
    assert Event.objects.filter(action="invoice.paid", subject_id=invoice.pk).exists()


def test_a_part_payment_leaves_a_balance_dated_today_by_default(api, invoice, today):
    body = pay(api, invoice, amount="20").json()
    assert (body["invoice"]["status"], body["invoice"]["balance"]) == ("unpaid", "100.00")
    assert body["payment"]["date"] == "2027-03-10"


def test_the_method_defaults_to_the_customers(api, invoice):
    response = api.post(f"/invoices/{invoice.pk}/payments", {"amount": "1.00"})
    assert response.status_code == 201, response.content
    assert response.json()["payment"]["method"] == "bank_transfer"


def test_an_overpayment_becomes_account_credit(api, invoice):
    body = pay(api, invoice, amount="150.00").json()
    assert body["invoice"]["status"] == "paid"
    assert credit_balance(invoice.customer) == 30


def test_pay_with_credit_then_money(api, invoice, admin, today):
    # given £50 of account credit
    credit_add(actor=admin, customer=invoice.customer, amount="50.00", reason="Goodwill", on=today)
    # when £50 credit and £70 money are applied
    body = pay(api, invoice, amount="70.00", apply_credit="50.00").json()
    # then the invoice is paid by both
    assert (body["invoice"]["credit_applied"], body["invoice"]["amount_paid"]) == (
        "50.00",
        "70.00",
    )
    assert body["invoice"]["status"] == "paid"
    assert credit_balance(invoice.customer) == 0


def test_credit_alone_answers_no_payment(api, invoice, admin, today):
    credit_add(actor=admin, customer=invoice.customer, amount="20.00", reason="Goodwill", on=today)
    body = pay(api, invoice, amount="0", apply_credit="20.00").json()
    assert body["payment"] is None
    assert body["invoice"]["balance"] == "100.00"
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-10.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00", "apply_credit": "0"}, "amount"),
        ({"amount": "10.005"}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({}, "amount"),
        ({"amount": "10.00", "method": "barter"}, "method"),
        ({"amount": "10.00", "date": "2027-13-01"}, "date"),
        ({"amount": "10.00", "apply_credit": "-1"}, "apply_credit"),
        ({"amount": "10.00", "apply_credit": 0.5}, "apply_credit"),
        ({"amount": "10.00", "reference": "x" * 201}, "reference"),
        ({"amount": "10.00", "invoice_id": 3}, "invoice_id"),
    ],
)
def test_a_bad_payment_is_refused_and_nothing_written(api, invoice, body, field):
    before = rows()
    response = api.post(f"/invoices/{invoice.pk}/payments", body)
    assert_invalid(response, field)
    assert rows() == before


def test_more_credit_than_available_is_refused(api, invoice, admin, today):
    credit_add(actor=admin, customer=invoice.customer, amount="10.00", reason="Goodwill", on=today)
    before = rows()
    response = pay(api, invoice, amount="0", apply_credit="10.01")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("refused", "apply_credit")
    assert "£10.00" in response.json()["detail"]
    assert rows() == before


def test_more_credit_than_the_invoice_balance_is_refused(api, invoice, admin, today):
    credit_add(actor=admin, customer=invoice.customer, amount="500.00", reason="Prepaid", on=today)
    before = rows()
    response = pay(api, invoice, amount="0", apply_credit="120.01")
    assert response.status_code == 409
    assert response.json()["field"] == "apply_credit"
    assert "£120.00" in response.json()["detail"]
    assert rows() == before


def test_a_payment_on_a_void_invoice_is_refused(api, invoice, admin, today):
    from fairbill.payments.services import invoice_void

    invoice_void(actor=admin, invoice=invoice, reason="Duplicate", on=today)
    before = rows()
    response = pay(api, invoice, amount="120.00")
    assert response.status_code == 409
    assert response.json()["code"] == "refused"
    assert "void" in response.json()["detail"]
    assert rows() == before


def test_a_payment_on_a_paid_invoice_is_refused(api, invoice):
    assert pay(api, invoice, amount="120.00").status_code == 201
    before = rows()
    response = pay(api, invoice, amount="120.00")
    assert response.status_code == 409
    assert "paid" in response.json()["detail"]
    assert rows() == before
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 120


def test_a_retried_payment_with_the_same_key_is_recorded_once(api, invoice):
    key = {"Idempotency-Key": "payment-2027-03-09-1"}
    url = f"/invoices/{invoice.pk}/payments"
    first = api.post(url, {"amount": "20.00"}, headers=key)
    again = api.post(url, {"amount": "20.00"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Payment.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).balance == 100


def test_payments_need_the_invoices_privilege(reporter, invoice):
    response = reporter.post(f"/invoices/{invoice.pk}/payments", {"amount": "120.00"})
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_a_payment_in_a_currency_without_decimals(api, admin, system, business):
    from fairbill.customers.services import customer_create
    from fairbill.invoicing.services import invoice_create

    yen = customer_create(
        actor=system, name="Kenji", email="k@example.jp", country="JP", currency="JPY"
    )
    invoice = invoice_create(
        actor=admin,
        customer=yen,
        lines=[{"description": "Work", "unit_price": "1200"}],
        issue_date=date(2027, 3, 1),
    )
    assert_invalid(pay(api, invoice, amount="100.50"), "amount")
    body = pay(api, invoice, amount="1200").json()
    assert (body["invoice"]["total"], body["payment"]["amount"]) == ("1200", "1200")
