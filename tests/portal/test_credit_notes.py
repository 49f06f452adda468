"""My Account: credit notes beside the invoices, their page and PDF, only the customer's own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fairbill.invoicing.models import Invoice
from fairbill.payments.credit_notes import credit_note_issue

ON = date(2027, 1, 20)


def _credit(system, customer, **kwargs):
    invoice = Invoice.objects.get(customer=customer)
    kwargs.setdefault("reason", "Consulting hours not used")
    return credit_note_issue(actor=system, invoice=invoice, on=ON, **kwargs)


@pytest.fixture
def alice_note(system, alice):
    """£20.00 of Alice's £50.00 invoice (no tax rate: no tax) credited."""
    return _credit(system, alice, amount="20.00")


def test_the_invoice_page_lists_its_credit_notes(alice_client, alice, alice_note):
    invoice = alice_note.invoice
    page = alice_client.get(f"/account/invoices/{invoice.pk}/").content.decode()
    assert f'<a href="/account/credit-notes/{alice_note.pk}/">{alice_note.number}</a>' in page
    assert "−£20.00" in page
    # the balance is the £50.00 less the £20.00 credited
    assert '<td class="num" data-testid="balance">£30.00</td>' in page


def test_the_credit_note_list_and_page(alice_client, alice_note):
    listed = alice_client.get("/account/credit-notes/").content.decode()
    assert alice_note.number in listed
    assert "Consulting hours not used" in listed
    page = alice_client.get(f"/account/credit-notes/{alice_note.pk}/").content.decode()
    assert f"Credit note {alice_note.number}" in page
    assert '<td class="num" data-testid="total">£20.00</td>' in page
    assert f"{alice_note.invoice.number}</a> of 10 Jan 2027" in page
    assert "Taken off the invoice's balance" in page


def test_the_credit_note_pdf_downloads(alice_client, alice_note):
    response = alice_client.get(f"/account/credit-notes/{alice_note.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("syntax", "root"), [("cii", b"CrossIndustryInvoice"), ("ubl", b"<CreditNote")]
)
def test_the_credit_note_e_invoice_downloads(alice_client, alice_note, syntax, root):
    response = alice_client.get(f"/account/credit-notes/{alice_note.pk}/einvoice/{syntax}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert root in response.content
    assert alice_note.invoice.number.encode() in response.content  # the invoice it corrects
    assert (
        alice_client.get(f"/account/credit-notes/{alice_note.pk}/einvoice/pdf/").status_code == 404
    )


def test_another_customers_credit_note_is_not_found(alice_client, system, bob, alice_note):
    # given a credit note of Bob's
    bobs = _credit(system, bob, amount="10.00")
    # when Alice asks for it (page and PDF) then it is not found, and her list leaves it out
    assert alice_client.get(f"/account/credit-notes/{bobs.pk}/").status_code == 404
    assert alice_client.get(f"/account/credit-notes/{bobs.pk}/pdf/").status_code == 404
    assert alice_client.get(f"/account/credit-notes/{bobs.pk}/einvoice/ubl/").status_code == 404
    assert bobs.number not in alice_client.get("/account/credit-notes/").content.decode()
    assert alice_client.get("/account/credit-notes/999999/").status_code == 404


def test_credit_notes_need_a_login(client, alice_note):
    response = client.get(f"/account/credit-notes/{alice_note.pk}/")
    assert response.status_code == 302
    assert "/account/login/" in response.url


def test_an_invoice_credited_in_full_says_nothing_is_due(alice_client, system, alice):
    note = _credit(system, alice)
    assert note.total == Decimal("50.00")
    page = alice_client.get(f"/account/invoices/{note.invoice_id}/").content.decode()
    assert "cancelled by credit note" in page
    assert "Pay this invoice" not in page
