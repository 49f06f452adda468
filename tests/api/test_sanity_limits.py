"""Corrections and sanity limits through the API: credit removed with a negative amount,
large credit and big overpayments confirmed, amounts and dates within their limits, and
every invalid invoice line reported at once."""

from __future__ import annotations

from fairbill.core.models import Event
from fairbill.notifications.models import EmailLog
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_add, credit_balance
from tests.api.checks import assert_invalid, rows


def _credit(api, customer, **body):
    return api.post(f"/customers/{customer.pk}/credit", {"reason": "Typo", **body})


def test_a_negative_amount_removes_credit_and_records_it(api, customer, admin, today):
    # given £50 of credit
    credit_add(
        actor=admin, customer=customer, amount="50.00", reason="Goodwill", on=today, notify=False
    )
    # when £20 is removed with a reason
    response = _credit(api, customer, amount="-20.00", reason="Added twice by mistake")
    # then a negative ledger entry keeps the reason, the balance is £30, nobody is emailed
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["balance"] == "30.00"
    assert (body["entry"]["amount"], body["entry"]["kind"]) == ("-20.00", "removed")
    assert credit_balance(customer) == 30
    event = Event.objects.get(action="credit.removed", customer_id=customer.pk)
    assert "Added twice by mistake" in event.message
    assert not EmailLog.objects.filter(template__startswith="credit").exists()


def test_credit_is_never_removed_below_zero(api, customer, admin, today):
    credit_add(actor=admin, customer=customer, amount="10.00", reason="Goodwill", on=today)
    before = rows()
    response = _credit(api, customer, amount="-10.01")
    assert response.status_code == 409, response.content
    assert "£10.00 of credit" in response.json()["detail"]
    assert rows() == before


def test_credit_above_the_confirmation_amount_needs_confirm(api, customer, business, today):
    # given the business asks to confirm credit above £1,000 (the default)
    before = rows()
    # when £5,000 is added without confirm, it is refused with a clear reason
    response = _credit(api, customer, amount="5000.00")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "confirm"
    assert "confirm" in response.json()["detail"]
    assert rows() == before
    # and with confirm it is added
    response = _credit(api, customer, amount="5000.00", confirm=True)
    assert response.status_code == 201, response.content
    assert credit_balance(customer) == 5000


def test_credit_can_be_added_without_emailing_the_customer(api, customer, today):
    response = _credit(api, customer, amount="25.00", notify=False)
    assert response.status_code == 201, response.content
    assert not EmailLog.objects.filter(template="credit_added").exists()
    response = _credit(api, customer, amount="25.00")
    assert response.status_code == 201
    assert EmailLog.objects.filter(template="credit_added", customer=customer).count() == 1


def test_absurd_credit_is_refused_even_confirmed(api, customer, today):
    before = rows()
    response = _credit(api, customer, amount="99999999999.00", confirm=True)
    assert_invalid(response, "amount")
    assert "the most Fairbill accepts" in response.json()["detail"]
    assert rows() == before


def test_a_payment_far_above_the_balance_needs_confirm_overpayment(api, invoice, today):
    # given an invoice of £120.00
    before = rows()
    # when £999,999 is recorded against it
    response = api.post(f"/invoices/{invoice.pk}/payments", {"amount": "999999.00"})
    # then it is refused, saying how much would become credit
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "confirm_overpayment"
    assert "£999,879.00 over would become account credit" in response.json()["detail"]
    assert rows() == before
    # and with the confirmation it is kept, the excess as credit
    response = api.post(
        f"/invoices/{invoice.pk}/payments", {"amount": "999999.00", "confirm_overpayment": True}
    )
    assert response.status_code == 201, response.content
    assert CreditEntry.objects.get(kind="overpayment").amount == 999879


def test_a_small_overpayment_needs_no_confirmation(api, invoice, today):
    response = api.post(f"/invoices/{invoice.pk}/payments", {"amount": "130.00"})
    assert response.status_code == 201, response.content


def test_a_payment_above_the_payment_limit_is_refused(api, invoice, today):
    response = api.post(
        f"/invoices/{invoice.pk}/payments",
        {"amount": "999999999.00", "confirm_overpayment": True},
    )
    assert_invalid(response, "amount")


def test_a_payment_dated_1990_is_refused(api, invoice, today):
    before = rows()
    response = api.post(
        f"/invoices/{invoice.pk}/payments", {"amount": "120.00", "date": "1990-01-01"}
    )
    assert_invalid(response, "date")
    assert "too far from today" in response.json()["detail"]
    assert rows() == before


def test_every_invalid_invoice_line_is_listed(api, customer, today):
    # given lines the schema refuses (blank description, not an amount, a zero quantity)
    lines = [
        {"description": "Fine", "unit_price": "10.00"},
        {"description": "", "unit_price": "10.00"},
        {"description": "Bad price", "unit_price": "ten"},
        {"description": "Bad quantity", "quantity": "0", "unit_price": "1.00"},
    ]
    response = api.post("/invoices", {"customer_id": customer.pk, "lines": lines})
    # then one 422 names each of them
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [(e["loc"][-2], e["loc"][-1]) for e in errors] == [
        (1, "description"),
        (2, "unit_price"),
        (3, "quantity"),
    ]


def test_every_line_above_the_price_limit_is_listed(api, customer, today):
    # given two lines the service refuses (prices above the limit)
    lines = [
        {"description": "Fine", "unit_price": "10.00"},
        {"description": "Big", "unit_price": "99999999.00"},
        {"description": "Bigger", "unit_price": "999999999.00"},
    ]
    response = api.post("/invoices", {"customer_id": customer.pk, "lines": lines})
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [(e["line"], e["loc"]) for e in errors] == [(2, ["lines", 1]), (3, ["lines", 2])]
    assert all("the most Fairbill accepts" in e["msg"] for e in errors)


def test_a_manual_invoice_due_before_its_issue_date_is_refused(api, customer, today):
    response = api.post(
        "/invoices",
        {
            "customer_id": customer.pk,
            "lines": [{"description": "Work", "unit_price": "10.00"}],
            "issue_date": "2027-03-10",
            "due_date": "2027-03-01",
        },
    )
    assert_invalid(response, "due_date")
    assert "before the issue date" in response.json()["detail"]


def test_a_due_date_far_away_is_refused(api, customer, today):
    response = api.post(
        "/invoices",
        {
            "customer_id": customer.pk,
            "lines": [{"description": "Work", "unit_price": "10.00"}],
            "due_date": "2999-12-31",
        },
    )
    assert_invalid(response, "due_date")
