"""In a real browser: staff credit one line of an invoice from the back office, reviewing the
figures before issuing, and the customer then finds the credit note in My Account beside the
invoice and downloads its PDF."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fairbill.catalog.services import tax_rate_create
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.services import customer_create, customer_login_create
from fairbill.invoicing.models import CreditNote
from fairbill.invoicing.services import invoice_create
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
CUSTOMER_PASSWORD = "a-long-customer-password-for-credit"  # noqa: S105 (test data)


def test_staff_credit_a_line_and_the_customer_downloads_the_credit_note(
    browser, page, live_server, e2e_admin
):
    # given a customer with a My Account login and a £120.00 invoice: two £50 lines + 20% VAT
    system = Actor.system("tests")
    tax_rate_create(actor=system, country="GB", name="VAT", rate="20")
    customer = customer_create(
        actor=system,
        name="Jane Smith",
        email="jane@example.com",
        country="GB",
        address_line1="1 High Street",
        city="London",
        postcode="SW1A 1AA",
    )
    customer_login_create(
        actor=system, customer=customer, username="jane", password=CUSTOMER_PASSWORD
    )
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[
            {"description": "Website design", "quantity": "1", "unit_price": "50.00"},
            {"description": "Hosting", "quantity": "2", "unit_price": "25.00"},
        ],
        issue_date=clock.today(),
    )

    # when staff open the invoice and choose Credit…
    log_in(page, "alice")
    page.goto(f"/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Credit…").click()
    page.get_by_role("heading", name=f"Credit invoice {invoice.number}").wait_for()
    # and credit the design line, saying why
    page.get_by_label("Chosen lines: a whole line, or a quantity or an amount of it").check()
    page.get_by_label("Website design").check()
    page.get_by_label("Reason").fill("The design was not delivered")
    screenshot(page, "backoffice-credit-form")
    page.get_by_role("button", name="Review the credit note").click()

    # then the review shows the figures before anything is written: £50 + £10 VAT = £60
    page.get_by_role("heading", name="Review the credit note").wait_for()
    expect(page.get_by_test_id("subtotal")).to_have_text("£50.00")
    expect(page.locator("#review-sums")).to_contain_text("VAT 20% on £50.00")
    expect(page.get_by_test_id("total")).to_have_text("£60.00")
    expect(page.get_by_test_id("to-balance")).to_contain_text("£60.00")
    expect(page.get_by_test_id("due-after")).to_have_text("£60.00")
    assert not CreditNote.objects.exists()
    path = screenshot(page, "backoffice-credit-note-review")
    shutil.copy(path, DOCS_IMAGES / "backoffice-credit-note-review.png")

    # when staff issue it
    page.get_by_role("button", name="Issue credit note").click()
    page.get_by_role("heading", name=re.compile(r"Credit note CN-")).wait_for()
    note = CreditNote.objects.get()
    assert (note.subtotal, note.tax, note.total) == (
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )
    expect(page.get_by_test_id("total")).to_have_text("£60.00")
    screenshot(page, "backoffice-credit-note")
    # and the invoice lists it, with £60.00 still due
    page.locator("#note-invoice").click()
    expect(page.locator("#credit-notes")).to_contain_text(note.number)
    screenshot(page, "backoffice-invoice-credited")

    # then the customer, in their own browser, sees it beside the invoice in My Account
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    customer_tab = context.new_page()
    customer_tab.goto("/account/login/")
    customer_tab.get_by_label("Username").fill("jane")
    customer_tab.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    customer_tab.get_by_role("button", name="Log in").click()
    customer_tab.get_by_role("heading", name=re.compile("Hello")).wait_for()
    customer_tab.goto("/account/invoices/")
    customer_tab.get_by_role("link", name=invoice.number).click()
    expect(customer_tab.get_by_test_id("balance")).to_have_text("£60.00")
    customer_tab.get_by_role("link", name=note.number).click()
    customer_tab.get_by_role("heading", name=f"Credit note {note.number}").wait_for()
    expect(customer_tab.get_by_test_id("total")).to_have_text("£60.00")
    path = screenshot(customer_tab, "portal-credit-note")
    shutil.copy(path, DOCS_IMAGES / "portal-credit-note.png")
    # and downloads its PDF
    with customer_tab.expect_download() as download:
        customer_tab.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"{note.number}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    # and finds it in the list of credit notes
    customer_tab.goto("/account/credit-notes/")
    expect(customer_tab.locator("#credit-notes")).to_contain_text(note.number)
    context.close()
