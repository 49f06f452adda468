"""GET /events: the audit log."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from fairbill.core.models import Event
from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import invoice_void, payment_record
from tests.api.checks import assert_invalid


@pytest.fixture
def history(invoice, admin, system):
    """The invoice issued (1 March), a second one issued and paid in part (2 March), the
    first voided (3 March: it was never sent nor paid); and another customer created."""
    with time_machine.travel("2027-03-02 10:00Z"):
        second = invoice_create(
            actor=admin,
            customer=invoice.customer,
            lines=[{"description": "Support", "unit_price": "40.00"}],
            issue_date=date(2027, 3, 2),
        )
        payment_record(
            actor=admin, invoice=second, amount="20.00", method="cash", on=date(2027, 3, 2)
        )
    with time_machine.travel("2027-03-03 10:00Z"):
        invoice_void(actor=admin, invoice=invoice, reason="Duplicate", on=date(2027, 3, 3))
    with time_machine.travel("2027-03-04 10:00Z"):
        other = customer_create(actor=system, name="Other", email="o@example.com", country="GB")
    return invoice, other


def test_events_of_an_invoice_newest_first(api, history):
    invoice, _ = history
    response = api.get("/events", subject=f"invoice:{invoice.pk}")
    assert response.status_code == 200
    body = response.json()
    assert [e["action"] for e in body["items"]] == ["invoice.voided", "invoice.issued"]
    assert body["count"] == 2
    voided = body["items"][0]
    assert voided["subject"] == f"invoice:{invoice.pk}"
    assert (voided["subject_type"], voided["subject_id"]) == ("invoice", invoice.pk)
    assert (voided["actor_kind"], voided["actor"]) == ("staff", "admin")
    assert voided["customer_id"] == invoice.customer_id
    assert voided["data"]["status"] == ["unpaid", "void"]
    assert "Duplicate" in voided["message"]
    assert voided["at"].startswith("2027-03-03T10:00")


def test_events_of_a_customer_and_by_action(api, history):
    invoice, other = history
    mine = api.get("/events", customer_id=invoice.customer_id).json()["items"]
    assert {e["customer_id"] for e in mine} == {invoice.customer_id}
    assert "payment.recorded" in [e["action"] for e in mine]
    theirs = api.get("/events", customer_id=other.pk).json()["items"]
    assert [e["action"] for e in theirs] == ["customer.created"]
    paid = api.get("/events", action="payment.recorded").json()
    assert [e["action"] for e in paid["items"]] == ["payment.recorded"]
    every_invoice_action = api.get("/events", action="invoice.").json()["items"]
    assert [e["action"] for e in every_invoice_action] == [
        "invoice.voided",
        "invoice.issued",
        "invoice.issued",
    ]
    assert api.get("/events", subject="invoice:31337").json() == {
        "items": [],
        "count": 0,
        "count_exact": True,
        "next_cursor": None,
    }


def test_all_events_are_paginated_newest_first(api, history):
    body = api.get("/events", limit=2).json()
    assert len(body["items"]) == 2
    assert body["count"] == Event.objects.count()
    assert body["items"][0]["action"] == "customer.created"


@pytest.mark.parametrize(
    "subject", ["invoice", "invoice:", ":12", "invoice:abc", "invoice:-1", "invoice:1:2"]
)
def test_a_bad_subject_is_refused(api, business, subject):
    assert_invalid(api.get("/events", subject=subject), "subject")


def test_events_need_the_reports_privilege(reporter, billing_clerk, history):
    assert reporter.get("/events").status_code == 200
    assert billing_clerk.get("/events").status_code == 403


def test_the_event_list_makes_a_bounded_number_of_queries(
    api, customer, admin, gb_vat, django_assert_max_num_queries
):
    for day in range(1, 31):
        invoice_create(
            actor=admin,
            customer=customer,
            lines=[{"description": "Work", "unit_price": "10.00"}],
            issue_date=date(2027, 1, day),
        )
    with django_assert_max_num_queries(8):
        body = api.get("/events", customer_id=customer.pk, action="invoice.issued").json()
    assert body["count"] == 30
