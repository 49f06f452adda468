"""Dates given to the API lie between 1900-01-01 and 2999-12-31: periods, due dates and
renewals are computed from them, and a year 1 or 9999 would overflow that arithmetic."""

from __future__ import annotations

import pytest

from fairbill.subscriptions.services import subscription_create
from tests.api.checks import assert_invalid, rows

OUT_OF_RANGE = ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"]


@pytest.fixture
def subscription(customer, bronze, admin, today):
    return subscription_create(
        actor=admin, customer=customer, package=bronze, cycle="monthly", start_date=today
    )


@pytest.fixture
def requests(api, customer, bronze, invoice, subscription):
    """Each date input of the API: (method, path, body without the date, date field)."""
    line = {"description": "Work", "unit_price": "10.00"}
    return [
        ("post", "/invoices", {"customer_id": customer.pk, "lines": [line]}, "issue_date"),
        ("post", "/invoices", {"customer_id": customer.pk, "lines": [line]}, "due_date"),
        ("post", f"/invoices/{invoice.pk}/payments", {"amount": "1.00"}, "date"),
        ("post", "/billing-runs", {"dry_run": True}, "as_of"),
        ("post", f"/subscriptions/{subscription.pk}/change-preview", {}, "as_of"),
        ("post", f"/subscriptions/{subscription.pk}/change", {}, "as_of"),
        (
            "post",
            "/subscriptions",
            {"customer_id": customer.pk, "package_id": bronze.pk, "cycle": "monthly"},
            "start_date",
        ),
        ("patch", f"/subscriptions/{subscription.pk}", {}, "renewal_date"),
        ("patch", f"/subscriptions/{subscription.pk}", {}, "renewed_on"),
        ("patch", f"/subscriptions/{subscription.pk}", {}, "start_date"),
    ]


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_a_date_out_of_range_is_refused_and_nothing_written(api, requests, bronze, day):
    for method, path, body, field in requests:
        if path.endswith("change") or path.endswith("change-preview"):
            body = {"package_id": bronze.pk}
        before = rows()
        response = getattr(api, method)(path, {**body, field: day})
        assert_invalid(response, field)
        assert "between 1900-01-01 and 2999-12-31" in response.json()["detail"]
        assert rows() == before, (path, field)


def test_an_invoice_dated_beyond_the_date_window_is_refused(api, customer, today):
    # given a manual invoice issued in 2999 (inside the API's 1900-2999 range)
    response = api.post(
        "/invoices",
        {
            "customer_id": customer.pk,
            "lines": [{"description": "Work", "unit_price": "10.00"}],
            "issue_date": "2999-12-31",
        },
    )
    # then it is refused: dates typed are within the business's window (10 years) of today
    assert_invalid(response, "issue_date")
    assert "too far from today" in response.json()["detail"]


def test_an_old_invoice_can_be_brought_over_from_another_system(api, customer, today):
    # given a manual invoice issued in 1995, as an import of an old system's invoices
    response = api.post(
        "/invoices",
        {
            "customer_id": customer.pk,
            "lines": [{"description": "Work", "unit_price": "10.00"}],
            "issue_date": "1995-06-30",
            "due_date": "1995-07-30",
        },
    )
    # then it is issued with its dates
    assert response.status_code == 201, response.content
    assert response.json()["due_date"] == "1995-07-30"
