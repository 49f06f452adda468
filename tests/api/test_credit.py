"""GET/POST /customers/{id}/credit: the account-credit balance and its ledger."""

from __future__ import annotations

from datetime import date

import pytest

from fairbill.core.models import Event
from fairbill.customers.services import customer_create
from fairbill.payments.services import credit_add, credit_balance, payment_record
from tests.api.checks import assert_invalid, rows


def test_add_credit(api, customer, today):
    response = api.post(f"/customers/{customer.pk}/credit", {"amount": "25.00", "reason": "Outage"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["currency"], body["balance"]) == ("GBP", "25.00")
    entry = body["entry"]
    assert (entry["amount"], entry["kind"], entry["reason"], entry["date"]) == (
        "25.00",
        "added",
        "Outage",
        "2027-03-10",
    )
    assert credit_balance(customer) == 25
    event = Event.objects.get(action="credit.added", customer_id=customer.pk)
    assert event.actor_label == "admin (API key tests)"


def test_the_credit_ledger_newest_first(api, invoice, admin):
    # given credit added, then used on an invoice, then an overpayment
    credit_add(
        actor=admin,
        customer=invoice.customer,
        amount="50.00",
        reason="Goodwill",
        on=date(2027, 3, 2),
    )
    payment_record(
        actor=admin,
        invoice=invoice,
        amount="100.00",
        apply_credit="50.00",
        method="cash",
        on=date(2027, 3, 3),
    )
    response = api.get(f"/customers/{invoice.customer_id}/credit")
    assert response.status_code == 200
    body = response.json()
    # 50 added - 50 applied + 30 overpaid
    assert (body["balance"], body["count"]) == ("30.00", 3)
    assert [(e["kind"], e["amount"], e["invoice_number"]) for e in body["entries"]] == [
        ("overpayment", "30.00", "INV-00001"),
        ("applied", "-50.00", "INV-00001"),
        ("added", "50.00", None),
    ]
    page = api.get(f"/customers/{invoice.customer_id}/credit", limit=1, offset=1).json()
    assert [e["kind"] for e in page["entries"]] == ["applied"]
    assert page["count"] == 3


def test_a_customer_without_credit(api, customer):
    assert api.get(f"/customers/{customer.pk}/credit").json() == {
        "currency": "GBP",
        "balance": "0.00",
        "count": 0,
        "entries": [],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0", "reason": "Nothing"}, "amount"),
        ({"amount": "0.00", "reason": "Nothing"}, "amount"),
        ({"amount": "1000000.01", "reason": "Too much"}, "amount"),
        ({"amount": "5.001", "reason": "Too precise"}, "amount"),
        ({"amount": 5.5, "reason": "A float"}, "amount"),
        ({"amount": "5.00"}, "reason"),
        ({"amount": "5.00", "reason": ""}, "reason"),
        ({"amount": "5.00", "reason": "   "}, "reason"),
        ({"amount": "5.00", "reason": "x" * 301}, "reason"),
        ({"amount": "5.00", "reason": "Extra", "kind": "downgrade"}, "kind"),
    ],
)
def test_bad_credit_is_refused_and_nothing_written(api, customer, body, field):
    before = rows()
    response = api.post(f"/customers/{customer.pk}/credit", body)
    assert_invalid(response, field)
    assert rows() == before


def test_credit_of_an_unknown_customer_is_not_found(api, business):
    assert api.get("/customers/31337/credit").status_code == 404
    response = api.post("/customers/31337/credit", {"amount": "5.00", "reason": "x"})
    assert response.status_code == 404


def test_credit_needs_the_customers_privilege(billing_clerk, customer):
    assert billing_clerk.get(f"/customers/{customer.pk}/credit").status_code == 403
    response = billing_clerk.post(
        f"/customers/{customer.pk}/credit", {"amount": "5.00", "reason": "x"}
    )
    assert response.status_code == 403
    assert credit_balance(customer) == 0


def test_a_merged_customer_gets_no_credit(api, customer, system):
    from fairbill.customers.models import Customer

    target = customer_create(actor=system, name="Target", email="t@example.com", country="GB")
    Customer.objects.filter(pk=customer.pk).update(merged_into=target)
    before = rows()
    response = api.post(f"/customers/{customer.pk}/credit", {"amount": "5.00", "reason": "x"})
    assert response.status_code == 409
    assert rows() == before
