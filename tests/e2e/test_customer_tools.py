"""The customer page as the staff's daily tool, in a real browser: the upgrade wizard from
Bronze to Gold with the invoice total checked against the review, editing a package, adding
credit, merging a duplicate, and the dashboard with its charts."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fairbill.catalog.services import option_create, package_create, tax_rate_create
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_note_add
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.payments.services import credit_balance, payment_record
from fairbill.subscriptions.models import PackageChange
from fairbill.subscriptions.periods import add_months
from tests.backoffice.conftest import bill_and_pay
from tests.e2e.conftest import customer_tab, screenshot

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).parents[2] / "docs" / "images"
SYSTEM = Actor.system("tests")


def docs_picture(page, name: str) -> None:
    if os.environ.get("FAIRBILL_DOCS_SCREENSHOTS"):  # refresh the docs' pictures on request
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


@pytest.fixture
def shop(e2e_business):
    tax_rate_create(actor=SYSTEM, country="GB", name="VAT", rate="20")
    bronze = package_create(
        actor=SYSTEM,
        name="Bronze",
        prices=[
            {"cycle": "monthly", "price": Decimal("10.00"), "setup_fee": Decimal("5.00")},
            {"cycle": "annually", "price": Decimal("100.00"), "setup_fee": Decimal("0")},
        ],
    )
    gold = package_create(
        actor=SYSTEM,
        name="Gold",
        prices=[
            {"cycle": "monthly", "price": Decimal("30.00"), "setup_fee": Decimal("20.00")},
            {"cycle": "annually", "price": Decimal("300.00"), "setup_fee": Decimal("0")},
        ],
    )
    option_create(
        actor=SYSTEM,
        name="Backups",
        kind="quantity",
        unit="GB",
        package_ids=[bronze.pk, gold.pk],
        prices=[
            {"cycle": "monthly", "price": "2.00", "setup_fee": "0"},
            {"cycle": "annually", "price": "20.00", "setup_fee": "0"},
        ],
    )
    customer = customer_create(
        actor=SYSTEM,
        name="Northwind Traders",
        company="Northwind Traders Ltd",
        email="accounts@northwind.example",
        country="GB",
        address_line1="4 Mill Lane",
        city="Leeds",
        postcode="LS1 2AB",
        vat_applies=True,
    )
    # Bronze since ten days ago: its current period, billed and paid, contains today
    sub, _ = bill_and_pay(customer, bronze, clock.today() - timedelta(days=10))
    return customer, sub, gold


def test_upgrade_wizard_bronze_to_gold_invoices_what_it_reviewed(logged_in_page, shop):
    page = logged_in_page
    customer, sub, gold = shop
    page.goto(f"/customers/{customer.pk}/")

    # step 1: the package to change
    page.get_by_role("link", name="Upgrade / downgrade", exact=True).click()
    page.get_by_role("heading", name="1. Which package changes?").wait_for()
    screenshot(page, "wizard-1-pick")
    page.get_by_role("link", name="Change Bronze").click()

    # step 2: Gold, monthly, from today
    page.get_by_role("heading", name="2. The new package").wait_for()
    page.get_by_label("New package", exact=False).first.select_option(label="Gold")
    assert page.get_by_label("Takes effect on").input_value() == clock.today().isoformat()
    screenshot(page, "wizard-2-choose")
    page.get_by_role("button", name="Review the change →").click()

    # step 3: the review, line by line
    page.get_by_role("heading", name="3. Review").wait_for()
    review_total = page.locator("#plan-total").inner_text()
    assert "Unused Bronze (monthly)" in page.locator("table.breakdown").inner_text()
    screenshot(page, "wizard-3-review")
    docs_picture(page, "upgrade-wizard")
    assert not PackageChange.objects.exists()
    page.get_by_role("button", name="Generate invoice").click()

    # step 4: the invoice is what the review said, to the cent
    page.locator("#invoice-total").wait_for()
    invoice = Invoice.objects.get(kind="change")
    assert page.locator("#invoice-total").inner_text() == review_total
    assert review_total == f"£{invoice.total}"
    assert "Package upgraded or downgraded" in page.locator("#result").inner_text()
    screenshot(page, "wizard-4-invoice")

    # and the customer page shows the package as changed, with the invoice due
    page.get_by_role("link", name="Back to Northwind Traders").click()
    packages = page.locator("#packages")
    assert "changed" in packages.inner_text()
    assert "Upgrade from Bronze" in packages.inner_text()
    screenshot(page, "customer-after-upgrade")
    customer_tab(page, "Invoices & payments")
    assert invoice.number in page.locator("#invoices-due").inner_text()


def test_edit_a_package(logged_in_page, shop):
    page = logged_in_page
    customer, sub, _ = shop
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("link", name="Edit Bronze").click()
    page.get_by_role("heading", name="Edit Bronze").wait_for()
    assert "Automation may change the status" in page.content()
    page.locator("#id_price").fill("12.00")
    page.get_by_label("Cycle").select_option("annually")
    page.get_by_label("Backups (GB)").fill("2")
    screenshot(page, "package-edit")
    page.get_by_role("button", name="Save package").click()
    page.get_by_text("Bronze saved.").wait_for()
    sub.refresh_from_db()
    assert (sub.price, sub.pending_cycle) == (Decimal("12.00"), "annually")
    assert "→ Annually at renewal" in page.locator("#packages").inner_text()
    screenshot(page, "package-edited")


def test_add_credit(logged_in_page, shop):
    page = logged_in_page
    customer, _, _ = shop
    page.goto(f"/customers/{customer.pk}/")
    customer_tab(page, "Account credit")
    page.get_by_text("Add or remove credit…").click()
    page.get_by_label("Amount").fill("25.00")
    page.locator("#id_credit_reason").fill("Goodwill for the outage")
    page.locator("#credit").get_by_role("button", name="Save").click()
    page.get_by_text("Credit added.").wait_for()
    assert "£25.00" in page.locator("#credit h2").inner_text()
    assert credit_balance(customer) == Decimal("25.00")
    screenshot(page, "customer-credit-added")


def test_merge_a_duplicate(logged_in_page, shop):
    page = logged_in_page
    customer, _, _ = shop
    duplicate = customer_create(
        actor=SYSTEM, name="Northwind (old account)", email="old@northwind.example", country="GB"
    )
    customer_note_add(actor=SYSTEM, customer=duplicate, body="Moved offices", public=False)
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("link", name="Merge another customer into this one…").click()

    page.get_by_label("Find the duplicate").fill("old@northwind")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=f"Review merging #{duplicate.pk} Northwind (old account)").click()
    review = page.locator("#review")
    review.wait_for()
    assert "1 customer notes" in review.inner_text()
    screenshot(page, "merge-review")
    page.get_by_role(
        "button",
        name=f"Merge #{duplicate.pk} Northwind (old account) (old@northwind.example)"
        f" into #{customer.pk} Northwind Traders",
    ).click()

    page.get_by_text(
        f"#{duplicate.pk} Northwind (old account) (old@northwind.example) merged into"
        f" #{customer.pk} Northwind Traders"
    ).wait_for()
    customer_tab(page, "Notes")
    assert "Moved offices" in page.locator("#notes").inner_text()
    # and the history says what happened in words, not codes or Python data
    customer_tab(page, "History")
    history = page.locator("#history").inner_text()
    assert "Another customer merged into this one" in history
    assert "moved: 1 customer notes" in history
    assert "{'" not in history
    assert "customer.merged" not in history
    screenshot(page, "merge-done")
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id == customer.pk
    page.goto(f"/customers/{duplicate.pk}/")
    page.get_by_role("link", name="Northwind Traders").last.click()
    page.get_by_role("heading", name="Northwind Traders").wait_for()


def test_dashboard_with_charts(logged_in_page, shop):
    page = logged_in_page
    customer, _, _ = shop
    today = clock.today()
    # a year of invoices, most paid, the last ones late
    for months_ago in range(11, -1, -1):
        issued = add_months(today.replace(day=1), -months_ago, 1) + timedelta(days=2)
        issued = min(issued, today)
        amount = Decimal(60 + 15 * ((11 - months_ago) % 5))
        invoice = invoice_create(
            actor=SYSTEM,
            customer=customer,
            lines=[{"description": "Consulting", "quantity": "1", "unit_price": str(amount)}],
            issue_date=issued,
        )
        if months_ago not in (0, 2, 4):
            payment_record(
                actor=SYSTEM,
                invoice=invoice,
                amount=invoice.total,
                method="bank_transfer",
                on=issued + timedelta(days=3) if issued + timedelta(days=3) <= today else today,
            )
    page.goto("/")
    page.get_by_role("heading", name="Revenue per month").wait_for()
    assert page.locator("svg").count() == 3
    assert page.locator(".chart rect.bar").count() >= 12
    screenshot(page, "dashboard-charts")
    docs_picture(page, "dashboard")
    page.get_by_role("link", name="1 Active customers").click()
    page.wait_for_url("**/customers/?status=active")
