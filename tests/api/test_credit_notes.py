"""POST /invoices/{id}/credit-notes, GET /credit-notes, /credit-notes/{id}, its PDF and
e-invoice; bad input changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.customers.services import customer_create
from fairbill.invoicing.models import CreditNote, CreditNoteLine, Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.payments.models import CreditEntry
from fairbill.payments.services import credit_balance, payment_record
from tests.api.checks import assert_invalid, rows
from tests.creditnotes.conftest import billing, gold, gold_with_options  # noqa: F401


@pytest.fixture(autouse=True)
def _on_the_tenth_of_march(today):
    """Notes are dated today: 10 March 2027, after the invoices' 1 March."""


def all_rows() -> dict[str, int]:
    return {
        **rows(),
        "CreditNote": CreditNote.objects.count(),
        "lines": CreditNoteLine.objects.count(),
    }


def test_crediting_one_line_answers_the_note_and_shows_on_the_invoice(api, invoice):
    # given the £120.00 invoice: 2 × £50.00 + 20% VAT
    line = invoice.lines.get()
    # when one of the two units is credited
    response = api.post(
        f"/invoices/{invoice.pk}/credit-notes",
        {"reason": "One day not worked", "lines": [{"invoice_line_id": line.pk, "quantity": "1"}]},
    )
    # then a £60.00 note comes back and the invoice shows it
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["number"] == "CN-00001"
    assert (note["subtotal"], note["tax"], note["total"]) == ("50.00", "10.00", "60.00")
    assert (note["to_balance"], note["to_credit"], note["refund"]) == ("60.00", "0.00", None)
    assert note["invoice_id"] == invoice.pk
    assert note["lines"][0] == {
        "invoice_line_id": line.pk,
        "description": "Consulting",
        "quantity": "1",
        "unit_price": "50.00",
        "amount": "50.00",
        "tax_rate": "20",
        "tax_name": "VAT",
    }
    shown = api.get(f"/invoices/{invoice.pk}").json()
    assert (shown["credited"], shown["balance"], shown["status"]) == ("60.00", "60.00", "unpaid")
    assert [n["number"] for n in shown["credit_notes"]] == ["CN-00001"]
    assert api.get(f"/credit-notes/{note['id']}").json() == note


def test_a_paid_invoice_credited_in_full_gives_account_credit(api, invoice, admin, today):
    payment_record(actor=admin, invoice=invoice, amount="120.00", method="cash", on=today)
    response = api.post(f"/invoices/{invoice.pk}/credit-notes", {"reason": "Cancelled"})
    assert response.status_code == 201, response.content
    assert response.json()["to_credit"] == "120.00"
    assert credit_balance(invoice.customer) == Decimal("120.00")
    assert api.get(f"/invoices/{invoice.pk}").json()["status"] == "credited"


def test_a_refund_by_hand(api, invoice, admin, today):
    payment_record(actor=admin, invoice=invoice, amount="120.00", method="cash", on=today)
    body = {
        "reason": "Cancelled",
        "refund": {"method": "cash", "date": today.isoformat(), "reference": "Till 3"},
    }
    response = api.post(f"/invoices/{invoice.pk}/credit-notes", body)
    assert response.status_code == 201, response.content
    assert response.json()["refund"] == {
        "amount": "120.00",
        "method": "cash",
        "date": today.isoformat(),
        "reference": "Till 3",
    }
    assert credit_balance(invoice.customer) == 0


def test_more_than_is_left_is_refused_and_writes_nothing(api, invoice):
    assert (
        api.post(
            f"/invoices/{invoice.pk}/credit-notes", {"reason": "x", "amount": "80.00"}
        ).status_code
        == 201
    )
    before = all_rows()
    response = api.post(f"/invoices/{invoice.pk}/credit-notes", {"reason": "x", "amount": "30.00"})
    assert response.status_code == 409
    assert response.json()["code"] == "more_than_left"
    assert all_rows() == before


def test_lists_filter_by_customer_and_invoice(api, invoice, admin, business, system, gb_vat):
    other = customer_create(actor=system, name="Other", email="o@example.com", country="GB")
    theirs = invoice_create(
        actor=admin,
        customer=other,
        lines=[{"description": "X", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 1),
    )
    api.post(f"/invoices/{invoice.pk}/credit-notes", {"reason": "a", "amount": "1.00"})
    api.post(f"/invoices/{theirs.pk}/credit-notes", {"reason": "b"})
    assert api.get("/credit-notes").json()["count"] == 2
    mine = api.get("/credit-notes", customer_id=invoice.customer_id).json()
    assert [n["invoice_id"] for n in mine["items"]] == [invoice.pk]
    by_invoice = api.get("/credit-notes", invoice_id=theirs.pk).json()
    assert [n["reason"] for n in by_invoice["items"]] == ["b"]


def test_a_duplicate_submission_with_the_same_key_issues_one_note(api, invoice):
    key = {"Idempotency-Key": "credit-1"}
    body = {"reason": "Duplicate", "amount": "10.00"}
    first = api.post(f"/invoices/{invoice.pk}/credit-notes", body, headers=key)
    again = api.post(f"/invoices/{invoice.pk}/credit-notes", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert CreditNote.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": " "}, "reason"),
        ({"reason": "x", "amount": "-5.00"}, "amount"),
        ({"reason": "x", "amount": 5}, "amount"),
        ({"reason": "x", "amount": 5.5}, "amount"),
        ({"reason": "x", "amount": "1e2"}, "amount"),
        ({"reason": "x", "amount": "0"}, "amount"),
        ({"reason": "x", "amount": "999999999999999.00"}, "amount"),
        ({"reason": "x", "lines": "all"}, "lines"),
        ({"reason": "x", "lines": [{"invoice_line_id": "1"}]}, "lines"),
        ({"reason": "x", "lines": [{"invoice_line_id": 1, "quantity": 1}]}, "lines"),
        ({"reason": "x", "lines": [{"invoice_line_id": 1, "quantity": "-1"}]}, "lines"),
        ({"reason": "x", "lines": [{"invoice_line_id": 1, "amount": "0.001"}]}, "lines"),
        ({"reason": "x", "lines": [{"invoice_line_id": 1, "colour": "red"}]}, "lines"),
        ({"reason": "x", "refund": {"method": "card", "date": "2027-03-02"}}, "refund"),
        ({"reason": "x", "refund": {"method": "cash"}}, "refund"),
        ({"reason": "x", "refund": {"method": "cash", "date": "2027-02-30"}}, "refund"),
        ({"reason": "x", "reverse_renewal": "yes"}, "reverse_renewal"),
        ({"reason": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(api, invoice, body, field):
    before = all_rows()
    assert_invalid(api.post(f"/invoices/{invoice.pk}/credit-notes", body), field)
    assert all_rows() == before


def test_a_line_of_another_invoice_is_refused(api, invoice, admin, customer):
    other = invoice_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "X", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 1),
    )
    foreign = other.lines.get()
    before = all_rows()
    response = api.post(
        f"/invoices/{invoice.pk}/credit-notes",
        {"reason": "x", "lines": [{"invoice_line_id": foreign.pk}]},
    )
    assert_invalid(response, "lines")
    assert all_rows() == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"reason": "x", "lines": [{"invoice_line_id": 0}]}, "invalid"),
        ({"reason": "x", "amount": "100.01"}, "more_than_left"),
    ],
)
def test_absurd_amounts_and_ids(api, invoice, body, code):
    response = api.post(f"/invoices/{invoice.pk}/credit-notes", body)
    assert response.json()["code"] == code
    assert CreditNote.objects.count() == 0


def test_unknown_ids_answer_404(api, business):
    assert api.post("/invoices/31337/credit-notes", {"reason": "x"}).status_code == 404
    assert api.get("/credit-notes/31337").status_code == 404
    assert api.get("/credit-notes/31337/pdf").status_code == 404
    assert api.get("/credit-notes/31337/einvoice").status_code == 404


def test_a_refund_of_an_unpaid_invoice_is_refused(api, invoice, today):
    body = {"reason": "x", "refund": {"method": "cash", "date": today.isoformat()}}
    response = api.post(f"/invoices/{invoice.pk}/credit-notes", body)
    assert response.status_code == 409
    assert "nothing to refund" in response.json()["detail"]
    assert CreditEntry.objects.count() == 0


def test_pdf_and_einvoices(api, invoice):
    note = api.post(f"/invoices/{invoice.pk}/credit-notes", {"reason": "x"}).json()
    pdf = api.get(f"/credit-notes/{note['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    cii = api.get(f"/credit-notes/{note['id']}/einvoice", syntax="cii")
    assert b"<ram:TypeCode>381</ram:TypeCode>" in cii.content
    assert invoice.number.encode() in cii.content
    ubl = api.get(f"/credit-notes/{note['id']}/einvoice", syntax="ubl")
    assert b"<CreditNote" in ubl.content
    assert_invalid(api.get(f"/credit-notes/{note['id']}/einvoice", syntax="pdf"), "syntax")
    # the credited invoice's own PDF still renders, with its credit notes
    assert api.get(f"/invoices/{invoice.pk}/pdf").content.startswith(b"%PDF")


def test_settings_show_and_change_the_credit_note_numbering(api, business, invoice):
    shown = api.get("/settings").json()
    assert (shown["credit_note_prefix"], shown["credit_note_start_number"]) == ("CN-", 1)
    changed = api.patch("/settings", {"credit_note_prefix": "CR/", "credit_note_start_number": 50})
    assert changed.status_code == 200, changed.content
    note = api.post(f"/invoices/{invoice.pk}/credit-notes", {"reason": "x", "amount": "1.00"})
    assert note.json()["number"] == "CR/00050"
    refused = api.patch("/settings", {"credit_note_start_number": 49})
    assert_invalid(refused, "credit_note_start_number")


def test_a_void_of_a_credited_invoice_is_refused_with_the_way_to_credit(api, invoice):
    api.post(f"/invoices/{invoice.pk}/credit-notes", {"reason": "x", "amount": "1.00"})
    response = api.post(f"/invoices/{invoice.pk}/void", {"reason": "x"})
    assert response.status_code == 409
    assert response.json()["code"] == "issue_credit_note"
    assert Invoice.objects.get(pk=invoice.pk).status == "unpaid"


def test_reversing_a_renewal_with_its_options_still_billed_is_refused(
    api,
    gold_with_options,  # noqa: F811
):
    # given March's £80.40 renewal: Gold £40, Priority support £15, Backup plan £12 + VAT
    sub, march = gold_with_options
    gold_line = march.lines.get(kind="package")
    before = all_rows()
    # when only the Gold line is credited with its renewal reversed
    body = {
        "reason": "Wrong package",
        "lines": [{"invoice_line_id": gold_line.pk}],
        "reverse_renewal": True,
    }
    response = api.post(f"/invoices/{march.pk}/credit-notes", body)
    # then 409, the options named, nothing written
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "refused"
    assert response.json()["detail"] == (
        "reverse_renewal: to reverse the renewal, credit the whole period of Gold: "
        "Priority support and Backup plan are still billed."
    )
    assert all_rows() == before
    sub.refresh_from_db()
    assert sub.renewal_date == date(2027, 4, 1)


def test_the_list_pages_by_cursor(api, invoice):
    for _ in range(3):
        api.post(f"/invoices/{invoice.pk}/credit-notes", {"reason": "x", "amount": "1.00"})
    first = api.get("/credit-notes", limit=2).json()
    assert [n["number"] for n in first["items"]] == ["CN-00003", "CN-00002"]
    rest = api.get("/credit-notes", limit=2, cursor=first["next_cursor"]).json()
    assert [n["number"] for n in rest["items"]] == ["CN-00001"]
    assert rest["next_cursor"] is None
