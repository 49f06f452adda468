"""Billing in a real browser: add a package to a customer, run billing, pay the renewal
invoice partly with account credit, download its PDF."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from fairbill.catalog.models import Package
from fairbill.catalog.services import option_create, package_create, tax_rate_create
from fairbill.core.actors import Actor
from fairbill.core.services import settings_update
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice
from fairbill.payments.services import credit_balance
from tests.e2e.conftest import customer_tab, log_in, nav, screenshot

pytestmark = pytest.mark.e2e

DOCS_IMAGE = Path(__file__).parents[2] / "docs" / "images" / "backoffice-invoice.png"


@pytest.fixture
def catalog(e2e_business):
    system = Actor.system("tests")
    settings_update(
        actor=system,
        address_line1="12 Harbour Road",
        city="Bristol",
        postcode="BS1 4RT",
        email="billing@acme-hosting.example",
        vat_number="GB980780684",
        company_number="01234567",
        payment_instructions="Bank transfer, sort code 12-34-56, account 12345678.",
    )
    tax_rate_create(actor=system, country="GB", name="VAT", rate="20")
    silver = package_create(
        actor=system,
        name="Silver",
        prices=[{"cycle": "monthly", "price": Decimal("25.00"), "setup_fee": Decimal("10.00")}],
    )
    option_create(
        actor=system,
        name="Extra storage",
        kind="quantity",
        unit="GB",
        package_ids=[silver.pk],
        prices=[{"cycle": "monthly", "price": "0.50"}],
    )
    return customer_create(
        actor=system,
        name="Northwind Traders",
        company="Northwind Traders Ltd",
        email="accounts@northwind.example",
        country="GB",
        address_line1="4 Mill Lane",
        city="Leeds",
        postcode="LS1 2AB",
        vat_applies=True,
    )


def test_staff_bills_a_new_package_and_records_a_payment_with_credit(page, e2e_admin, catalog):
    customer = catalog
    log_in(page, "alice")

    # given a customer with a new Silver package starting today (with 10 GB extra storage)
    page.goto(f"/customers/{customer.pk}/")
    page.locator("#packages").get_by_role("link", name="+ Add a package").click()
    page.get_by_label("Package").select_option(label="Silver")
    page.get_by_label("Cycle").select_option(label="Monthly")
    page.get_by_label("Extra storage (GB)").fill("10")
    page.get_by_role("button", name="Add package", exact=True).click()
    page.get_by_text("Silver added; the billing run bills it from").wait_for()

    # and £20.00 of account credit
    customer_tab(page, "Account credit")
    credit = page.locator("#credit")
    credit.get_by_text("Add or remove credit…").click()
    credit.get_by_label("Amount").fill("20.00")
    credit.get_by_label("Reason").fill("Goodwill for the migration")
    credit.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Credit added.").wait_for()
    assert credit_balance(customer) == Decimal("20.00")

    # when the billing run runs from the billing page
    nav(page, "Billing run").click()
    page.get_by_role("heading", name="Billing run", exact=True).wait_for()
    page.get_by_role("button", name="Dry run").click()
    page.get_by_text("nothing was written").wait_for()
    assert not Invoice.objects.exists()
    page.get_by_role("button", name="Run now").click()
    page.get_by_text("done: 1 customer looked at, 1 invoice,").wait_for()
    screenshot(page, "billing-run")

    # then the renewal invoice is in the invoice list
    nav(page, "Invoices").click()
    invoice = Invoice.objects.get()
    # 25.00 + 10.00 setup + 10 × 0.50 = 40.00 net, + 20% VAT = 48.00; credit is applied first
    assert invoice.total == Decimal("48.00")
    row = page.get_by_role("row").filter(has_text=invoice.number)
    assert "Northwind Traders" in row.inner_text()
    row.get_by_role("link", name=invoice.number).click()
    page.get_by_role("heading", name=f"Invoice {invoice.number}").wait_for()

    # when staff record the rest as a bank transfer
    invoice.refresh_from_db()
    form = page.locator("#record-payment")
    balance = invoice.balance
    assert form.get_by_label("Amount received").input_value() == str(balance)
    if invoice.credit_applied == 0:  # the run did not use the credit: use it here
        form.get_by_label("Apply account credit").fill("20.00")
        form.get_by_label("Amount received").fill(str(balance - Decimal("20.00")))
    form.get_by_label("Reference").fill("BACS 4471")
    form.get_by_role("button", name="Record payment").click()

    # then the invoice is paid, using the credit
    page.get_by_text(f"Invoice {invoice.number} is paid.").wait_for()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.credit_applied == Decimal("20.00")
    assert invoice.amount_paid == Decimal("28.00")
    assert credit_balance(customer) == 0
    screenshot(page, "invoice-paid")
    if os.environ.get("FAIRBILL_DOCS_SCREENSHOTS"):  # refresh the docs' picture on request
        page.reload()  # without the flash message
        page.screenshot(path=str(DOCS_IMAGE), full_page=False)

    # and its PDF downloads
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    path = download.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    shutil.copy(path, Path(screenshot(page, "invoice-paid")).with_suffix(".pdf"))

    # and the customer page shows the package, the paid invoice and the credit history
    page.goto(f"/customers/{customer.pk}/")
    packages = page.locator("#packages")
    assert "Silver" in packages.inner_text()
    screenshot(page, "customer-billing")
    customer_tab(page, "Invoices & payments")
    assert invoice.number in page.locator("#invoices").inner_text()
    screenshot(page, "customer-invoices")
    customer_tab(page, "Account credit")
    assert "Goodwill for the migration" in page.locator("#credit").inner_text()


def test_billing_pages_at_a_glance(page, e2e_admin, catalog):
    """Screenshots of the other billing pages, with data, to look at."""
    from datetime import timedelta

    from fairbill.core import clock
    from fairbill.invoicing.services import invoice_create
    from fairbill.subscriptions.services import subscription_create

    customer = catalog
    system = Actor.system("tests")
    today = clock.today()
    for days, amount in [(40, "120.00"), (3, "75.50"), (0, "9.99")]:
        invoice_create(
            actor=system,
            customer=customer,
            lines=[{"description": "Consulting", "quantity": "1", "unit_price": amount}],
            issue_date=today - timedelta(days=days),
        )
    subscription_create(
        actor=system,
        customer=customer,
        package=Package.objects.get(name="Silver"),
        cycle="monthly",
        start_date=today,
    )
    log_in(page, "alice")

    nav(page, "Invoices").click()
    page.get_by_text("Overdue", exact=True).first.wait_for()
    screenshot(page, "invoice-list")

    page.get_by_role("link", name="+ New invoice").click()
    page.get_by_label("Customer").fill("north")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Invoice Northwind Traders").click()
    page.locator("#id_lines-0-description").fill("Website audit")
    page.locator("#id_lines-0-unit_price").fill("250.005")
    page.get_by_role("button", name="Issue invoice").click()
    page.get_by_text("at most 2 decimal places").wait_for()
    screenshot(page, "invoice-new-errors")

    nav(page, "Billing run").click()
    page.get_by_role("button", name="Dry run").click()
    page.get_by_text("nothing was written").wait_for()
    screenshot(page, "billing-dry-run")

    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("link", name="+ Add a package").click()
    page.get_by_role("heading", name=f"Add a package for {customer.name}").wait_for()
    page.get_by_role("button", name="Add package", exact=True).click()
    page.get_by_text("Please correct the errors below").first.wait_for()
    screenshot(page, "customer-package-form")

    page.goto("/settings/emails/invoice_issued/")
    page.get_by_role("heading", name="Preview").wait_for()
    screenshot(page, "email-edit")
    page.goto("/settings/email-log/")
    screenshot(page, "email-log")
