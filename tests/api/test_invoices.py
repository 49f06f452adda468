"""GET/POST /invoices, GET /invoices/{id}, POST /invoices/{id}/void and GET /invoices/{id}/pdf."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core import mail
from pypdf import PdfReader

from fairbill.core.models import Event
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import credit_balance, payment_record
from tests.api.checks import assert_invalid, rows


@pytest.fixture
def manual(customer):
    return {
        "customer_id": customer.pk,
        "lines": [
            {"description": "Website audit", "quantity": "3", "unit_price": "40.00"},
            {"description": "Discount", "unit_price": "-20.00"},
        ],
    }


def test_issue_a_manual_invoice(api, manual, gb_vat, today, django_capture_on_commit_callbacks):
    # when a manual invoice is posted with two lines
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/invoices", {**manual, "notes": "Thanks!"})
    # then it is numbered, taxed per the customer, due after the payment terms, and emailed
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["kind"], body["status"]) == ("INV-00001", "manual", "unpaid")
    assert (body["issue_date"], body["due_date"]) == ("2027-03-10", "2027-03-17")
    assert [
        (line["description"], line["quantity"], line["unit_price"], line["amount"])
        for line in body["lines"]
    ] == [("Website audit", "3", "40.00", "120.00"), ("Discount", "1", "-20.00", "-20.00")]
    assert {(line["tax_name"], line["tax_rate"]) for line in body["lines"]} == {("VAT", "20")}
    assert body["lines"][0]["period_start"] is None
    assert body["taxes"] == [{"name": "VAT", "rate": "20", "net": "100.00", "tax": "20.00"}]
    assert (body["subtotal"], body["tax"], body["total"]) == ("100.00", "20.00", "120.00")
    assert (body["credit_applied"], body["amount_paid"], body["balance"]) == (
        "0.00",
        "0.00",
        "120.00",
    )
    assert (body["overdue"], body["notes"], body["customer_name"]) == (
        False,
        "Thanks!",
        "Jane Smith",
    )
    assert len(mail.outbox) == 1
    assert Event.objects.filter(action="invoice.issued", subject_id=body["id"]).exists()


def test_a_manual_invoice_can_be_dated_and_due_when_given(api, manual, business):
    response = api.post(
        "/invoices", {**manual, "issue_date": "2027-01-05", "due_date": "2027-02-05"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["issue_date"], body["due_date"]) == ("2027-01-05", "2027-02-05")
    # no tax rate for the customer's country: no tax
    assert (body["tax"], body["taxes"]) == ("0.00", [])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": 31337}, "customer_id"),
        ({"lines": []}, "lines"),
        ({"lines": [{"description": "", "unit_price": "1.00"}]}, "lines"),
        ({"lines": [{"description": "   ", "unit_price": "1.00"}]}, "lines"),
        ({"lines": [{"description": "Refund", "unit_price": "-5.00"}]}, "lines"),  # total < 0
        ({"lines": [{"description": "Work", "unit_price": "1.005"}]}, "unit price"),
        ({"lines": [{"description": "Work", "unit_price": 1.5}]}, "unit_price"),
        ({"lines": [{"description": "Work", "quantity": "0", "unit_price": "1"}]}, "lines"),
        ({"lines": [{"description": "Work", "quantity": "-1", "unit_price": "1"}]}, "lines"),
        ({"lines": [{"description": "Work", "quantity": 0.5, "unit_price": "1"}]}, "quantity"),
        ({"lines": [{"description": "Work"}]}, "unit_price"),
        ({"lines": [{"description": "x" * 501, "unit_price": "1"}]}, "description"),
        ({"lines": [{"description": "Work", "unit_price": "1", "tax": "0"}]}, "tax"),
        (
            {"lines": [{"description": "Big", "quantity": "1000000", "unit_price": "1000000.00"}]},
            "lines",
        ),
        ({"lines": [{"description": "Big", "unit_price": "999999999999.99"}] * 2}, "lines"),
        ({"issue_date": "2027-03-10", "due_date": "2027-03-09"}, "due_date"),
        ({"due_date": "yesterday"}, "due_date"),
        ({"number": "INV-1"}, "number"),
    ],
)
def test_a_bad_manual_invoice_is_refused_and_nothing_written(api, manual, change, field):
    before = rows()
    response = api.post("/invoices", {**manual, **change})
    assert_invalid(response, field)
    assert rows() == before


def test_a_merged_customer_cannot_be_invoiced(api, manual, customer, system):
    from fairbill.customers.models import Customer

    target = customer_create(
        actor=system,
        name="Target",
        email="t@example.com",
        country="GB",
    )
    Customer.objects.filter(pk=customer.pk).update(merged_into=target)
    response = api.post("/invoices", manual)
    assert response.status_code == 409
    assert not Invoice.objects.exists()


def test_get_an_invoice(api, invoice, today):
    response = api.get(f"/invoices/{invoice.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["total"], body["due_date"]) == (
        "INV-00001",
        "120.00",
        "2027-03-08",
    )
    # unpaid and due on 8 March: overdue on 10 March
    assert body["overdue"] is True


@pytest.mark.parametrize("path", ["", "/pdf"])
def test_an_unknown_invoice_is_not_found(api, business, path):
    response = api.get(f"/invoices/31337{path}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No invoice with id 31337.", "code": "not_found"}


@pytest.mark.parametrize("path", ["/void", "/payments"])
def test_posting_to_an_unknown_invoice_is_not_found(api, business, path):
    body = {"reason": "wrong"} if path == "/void" else {"amount": "1.00"}
    response = api.post(f"/invoices/31337{path}", body)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.fixture
def three_invoices(customer, admin, gb_vat, system):
    other = customer_create(actor=system, name="Other", email="o@example.com", country="GB")

    def issue(who, issued, due):
        return invoice_create(
            actor=admin,
            customer=who,
            lines=[{"description": "Work", "unit_price": "10.00"}],
            issue_date=issued,
            due_date=due,
        )

    overdue = issue(customer, date(2027, 2, 1), date(2027, 2, 8))
    paid = issue(customer, date(2027, 2, 15), date(2027, 2, 22))
    payment_record(actor=admin, invoice=paid, amount="12.00", method="cash", on=date(2027, 2, 16))
    not_due = issue(other, date(2027, 3, 5), date(2027, 3, 12))
    return overdue, paid, not_due


def test_list_invoices_newest_first_and_filter_them(api, three_invoices, customer, today):
    overdue, paid, not_due = three_invoices

    def ids(**params):
        return [item["id"] for item in api.get("/invoices", **params).json()["items"]]

    assert ids() == [not_due.pk, paid.pk, overdue.pk]
    assert ids(customer_id=customer.pk) == [paid.pk, overdue.pk]
    assert ids(status="paid") == [paid.pk]
    assert ids(status="unpaid") == [not_due.pk, overdue.pk]
    assert ids(overdue="true") == [overdue.pk]
    assert ids(overdue="false") == [not_due.pk, paid.pk]
    assert ids(customer_id=31337) == []
    assert_invalid(api.get("/invoices", status="late"), "status")
    assert_invalid(api.get("/invoices", overdue="maybe"), "overdue")


def test_the_invoice_list_makes_a_bounded_number_of_queries(
    api, customer, admin, gb_vat, today, django_assert_max_num_queries
):
    for day in range(1, 31):
        invoice_create(
            actor=admin,
            customer=customer,
            lines=[
                {"description": "Work", "quantity": "2", "unit_price": "10.00"},
                {"description": "More work", "unit_price": "5.00"},
            ],
            issue_date=date(2027, 1, day),
        )
    # A fixed number: the page, its count, and one query each for the lines, taxes, credit
    # notes, charge attempts and refunds of all its invoices.
    with django_assert_max_num_queries(12):
        body = api.get("/invoices", limit=100).json()
    assert body["count"] == 30
    assert all(len(item["lines"]) == 2 and len(item["taxes"]) == 1 for item in body["items"])


def test_void_an_invoice(api, invoice, today):
    response = api.post(f"/invoices/{invoice.pk}/void", {"reason": "Billed the wrong customer"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["balance"], body["overdue"]) == ("void", "0.00", False)
    assert body["void_reason"] == "Billed the wrong customer"
    # the invoice keeps its number, lines and amounts
    assert (body["number"], body["total"], len(body["lines"])) == ("INV-00001", "120.00", 1)
    event = Event.objects.get(action="invoice.voided", subject_id=invoice.pk)
    assert event.actor_kind == "api"


def test_a_paid_invoice_is_not_voided_but_credited(api, invoice, admin, today):
    payment_record(actor=admin, invoice=invoice, amount="120.00", method="cash", on=today)
    response = api.post(f"/invoices/{invoice.pk}/void", {"reason": "Cancelled order"})
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "issue_credit_note"
    assert response.json()["detail"] == (
        f"Invoice {invoice.number} can't be voided: it has a payment. Issue a credit note instead."
    )
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"
    assert credit_balance(invoice.customer) == 0


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}, {"reason": None}])
def test_void_needs_a_reason(api, invoice, body):
    before = rows()
    response = api.post(f"/invoices/{invoice.pk}/void", body)
    assert_invalid(response, "reason")
    assert rows() == before
    assert Invoice.objects.get(pk=invoice.pk).status == "unpaid"


def test_an_invoice_is_voided_once(api, invoice):
    assert api.post(f"/invoices/{invoice.pk}/void", {"reason": "Duplicate"}).status_code == 200
    before = rows()
    response = api.post(f"/invoices/{invoice.pk}/void", {"reason": "Duplicate"})
    assert response.status_code == 409
    assert response.json()["code"] == "refused"
    assert "already void" in response.json()["detail"]
    assert rows() == before


def test_a_retried_void_with_the_same_key_replays_the_answer(api, invoice):
    key = {"Idempotency-Key": "void-1"}
    first = api.post(f"/invoices/{invoice.pk}/void", {"reason": "Duplicate"}, headers=key)
    again = api.post(f"/invoices/{invoice.pk}/void", {"reason": "Duplicate"}, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Event.objects.filter(action="invoice.voided").count() == 1


def test_the_pdf_of_an_invoice(api, invoice):
    response = api.get(f"/invoices/{invoice.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="INV-00001.pdf"'
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "INV-00001" in text
    assert "Consulting" in text


def test_invoices_need_the_invoices_privilege(reporter, invoice, customer):
    assert reporter.get("/invoices").status_code == 403
    assert reporter.get(f"/invoices/{invoice.pk}").status_code == 403
    assert reporter.get(f"/invoices/{invoice.pk}/pdf").status_code == 403
    before = rows()
    assert reporter.post(f"/invoices/{invoice.pk}/void", {"reason": "x"}).status_code == 403
    response = reporter.post(
        "/invoices",
        {"customer_id": customer.pk, "lines": [{"description": "x", "unit_price": "1"}]},
    )
    assert response.status_code == 403
    assert rows() == before


def test_a_clerk_with_only_the_invoices_privilege_can_invoice(billing_clerk, manual):
    assert billing_clerk.post("/invoices", manual).status_code == 201
