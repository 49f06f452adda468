"""GET/POST /estimates, GET /estimates/{id}, POST /estimates/{id}/accept|decline|send and
GET /estimates/{id}/pdf."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from fairbill.core.models import Event
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Estimate, EstimateLine, Invoice
from tests.api.checks import assert_invalid


@pytest.fixture
def quote(customer):
    return {
        "customer_id": customer.pk,
        "lines": [{"description": "Website audit", "quantity": "2", "unit_price": "50.00"}],
        "valid_until": "2027-03-31",
    }


@pytest.fixture
def posted(api, quote, gb_vat, today):
    response = api.post("/estimates", quote)
    assert response.status_code == 201, response.content
    return response.json()


def counts() -> tuple[int, int, int, int]:
    return (
        Estimate.objects.count(),
        EstimateLine.objects.count(),
        Invoice.objects.count(),
        Event.objects.count(),
    )


def test_post_an_estimate(posted):
    # 2 × £50.00 + 20% VAT = £120.00
    assert (posted["number"], posted["status"], posted["expired"]) == ("EST-00001", "draft", False)
    assert (posted["subtotal"], posted["tax"], posted["total"]) == ("100.00", "20.00", "120.00")
    assert (posted["issue_date"], posted["valid_until"]) == ("2027-03-10", "2027-03-31")
    assert [
        (li["description"], li["quantity"], li["unit_price"], li["amount"], li["tax_rate"])
        for li in posted["lines"]
    ] == [("Website audit", "2", "50.00", "100.00", "20")]
    assert posted["invoice_id"] is None


def test_post_and_send_emails_the_customer(
    api, quote, gb_vat, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/estimates", {**quote, "send": True})
    assert response.json()["status"] == "sent"
    [email] = mail.outbox
    assert email.attachments[0][0] == "EST-00001.pdf"


def test_accept_returns_the_invoice_once(api, posted, today):
    response = api.post(f"/estimates/{posted['id']}/accept")
    assert response.status_code == 200, response.content
    invoice = response.json()
    assert (invoice["number"], invoice["kind"], invoice["total"]) == (
        "INV-00001",
        "manual",
        "120.00",
    )
    assert invoice["issue_date"] == "2027-03-10"
    again = api.post(f"/estimates/{posted['id']}/accept")
    assert again.status_code == 409
    assert again.json()["code"] == "already_accepted"
    assert "INV-00001" in again.json()["detail"]
    assert Invoice.objects.count() == 1
    estimate = api.get(f"/estimates/{posted['id']}").json()
    assert (estimate["status"], estimate["invoice_id"]) == ("accepted", invoice["id"])


def test_accept_with_the_same_idempotency_key_replays_the_invoice(api, posted, today):
    key = {"Idempotency-Key": "accept-1"}
    first = api.post(f"/estimates/{posted['id']}/accept", headers=key)
    second = api.post(f"/estimates/{posted['id']}/accept", headers=key)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Invoice.objects.count() == 1


def test_decline_with_a_reason_then_accept_is_refused(api, posted, today):
    response = api.post(f"/estimates/{posted['id']}/decline", {"reason": "Over budget"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["decline_reason"]) == (
        "declined",
        "Over budget",
    )
    refused = api.post(f"/estimates/{posted['id']}/accept")
    assert (refused.status_code, refused.json()["code"]) == (409, "declined")
    assert Invoice.objects.count() == 0


def test_expired_estimate_answers_409_expired(api, posted, time_machine):
    time_machine.move_to("2027-04-01 12:00Z", tick=False)
    assert api.get(f"/estimates/{posted['id']}").json()["expired"] is True
    response = api.post(f"/estimates/{posted['id']}/accept")
    assert response.status_code == 409
    assert response.json()["code"] == "expired"
    assert "expired on 31 Mar 2027" in response.json()["detail"]
    listed = api.get("/estimates", status="expired").json()
    assert [e["id"] for e in listed["items"]] == [posted["id"]]


def test_list_filters_by_customer_and_status(api, posted, admin, gb_vat, today):
    other = customer_create(actor=admin, name="Bob", email="bob@example.com", country="GB")
    second = api.post(
        "/estimates",
        {"customer_id": other.pk, "lines": [{"description": "Logo", "unit_price": "10.00"}]},
    ).json()
    api.post(f"/estimates/{second['id']}/decline")
    everything = api.get("/estimates").json()
    assert everything["count"] == 2
    assert [e["id"] for e in everything["items"]] == [second["id"], posted["id"]]
    mine = api.get("/estimates", customer_id=posted["customer_id"]).json()
    assert [e["id"] for e in mine["items"]] == [posted["id"]]
    declined = api.get("/estimates", status="declined").json()
    assert [e["id"] for e in declined["items"]] == [second["id"]]
    assert api.get("/estimates", status="nonsense").status_code == 422


def test_list_is_paginated_with_a_cursor(api, quote, gb_vat, today):
    ids = [api.post("/estimates", quote).json()["id"] for _ in range(3)]
    first = api.get("/estimates", limit=2).json()
    assert [e["id"] for e in first["items"]] == ids[::-1][:2]
    rest = api.get("/estimates", limit=2, cursor=first["next_cursor"]).json()
    assert [e["id"] for e in rest["items"]] == [ids[0]]
    assert rest["next_cursor"] is None


def test_unknown_customer_is_invalid_and_nothing_is_written(api, quote, gb_vat, today):
    before = counts()
    assert_invalid(api.post("/estimates", {**quote, "customer_id": 999999}), "customer_id")
    assert counts() == before


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"description": "", "unit_price": "10.00"}],
        [{"description": "Audit", "unit_price": 10.5}],
        [{"description": "Audit", "quantity": "0", "unit_price": "10.00"}],
        [{"description": "Audit", "unit_price": "10.001"}],
        [{"description": "Discount only", "unit_price": "-10.00"}],
        # each price within its limit, the total above what an amount can hold
        [{"description": "Audit", "quantity": "1000000", "unit_price": "9999999.99"}],
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(api, quote, gb_vat, today, lines):
    before = counts()
    response = api.post("/estimates", {**quote, "lines": lines})
    assert response.status_code == 422, response.content
    assert set(response.json()) >= {"detail", "code"}
    assert counts() == before


def test_valid_until_before_the_issue_date_is_refused(api, quote, gb_vat, today):
    assert_invalid(api.post("/estimates", {**quote, "valid_until": "2027-03-01"}), "valid_until")
    assert Estimate.objects.count() == 0


def test_issue_date_far_from_today_is_refused(api, quote, gb_vat, today):
    response = api.post("/estimates", {**quote, "issue_date": "1950-01-01"})
    assert_invalid(response, "issue_date")
    assert Estimate.objects.count() == 0


def test_unknown_estimate_is_404(api, db):
    for response in (
        api.get("/estimates/999999"),
        api.post("/estimates/999999/accept"),
        api.post("/estimates/999999/decline"),
        api.get("/estimates/999999/pdf"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_pdf(api, posted):
    response = api.get(f"/estimates/{posted['id']}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="EST-00001.pdf"' in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Estimate" in text
    assert "£120.00" in text


def test_needs_the_invoices_privilege(reporter, posted):
    assert reporter.get("/estimates").status_code == 403
    assert reporter.post(f"/estimates/{posted['id']}/accept").status_code == 403
    assert Invoice.objects.count() == 0


def test_clerk_with_the_invoices_privilege_can_accept(billing_clerk, posted):
    assert billing_clerk.post(f"/estimates/{posted['id']}/accept").status_code == 200
