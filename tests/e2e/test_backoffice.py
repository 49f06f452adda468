"""Staff back office in a real browser: log in, create a package and a customer, find it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fairbill.catalog.models import Package
from fairbill.core.actors import Actor
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create
from tests.e2e.conftest import log_in, nav, screenshot

pytestmark = pytest.mark.e2e


def test_staff_creates_a_package_and_a_customer_and_finds_it(page, e2e_admin):
    # given a staff user on the login page
    log_in(page, "alice")
    screenshot(page, "dashboard")

    # when they create a package priced monthly and annually
    nav(page, "Packages").click()
    page.get_by_role("link", name="+ New package").click()
    page.get_by_label("Name").fill("Silver")
    page.get_by_label("Monthly price").fill("12.50")
    page.get_by_label("Monthly setup fee").fill("5.00")
    page.get_by_label("Annually price", exact=True).fill("125.00")
    screenshot(page, "package-form")
    page.get_by_role("button", name="Create package").click()

    # then the package list shows it with both prices
    page.get_by_text("Package Silver created.").wait_for()
    row = page.get_by_role("row").filter(has_text="Silver")
    assert "12.50 GBP" in row.inner_text()
    assert "125.00 GBP" in row.inner_text()
    screenshot(page, "package-list")
    package = Package.objects.get(name="Silver")
    assert {(p.cycle, p.price, p.setup_fee) for p in package.prices.all()} == {
        ("monthly", Decimal("12.50"), Decimal("5.00")),
        ("annually", Decimal("125.00"), Decimal("0.00")),
    }

    # when they create a customer
    nav(page, "Customers").click()
    page.get_by_role("link", name="+ New customer").click()
    page.locator("#id_name").fill("Northwind Traders")
    page.get_by_label("Company", exact=True).fill("Northwind Traders Ltd")
    page.locator("#id_email").fill("accounts@northwind.example")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("VAT number").fill("GB980780684")
    screenshot(page, "customer-form")
    page.get_by_role("button", name="Create customer").click()

    # then its page opens
    page.get_by_text("Customer Northwind Traders created.").wait_for()
    page.get_by_role("heading", name="Northwind Traders").wait_for()
    screenshot(page, "customer-detail")
    assert Customer.objects.get(name="Northwind Traders").vat_number == "GB980780684"

    # and searching the customer list finds it (and only it)
    customer_create(
        actor=Actor.system("tests"), name="Other Customer", email="o@example.com", country="FR"
    )
    nav(page, "Customers").click()
    page.get_by_role("row").filter(has_text="Other Customer").wait_for()
    page.get_by_label("Search").fill("northwind")
    page.get_by_role("row").filter(has_text="Other Customer").wait_for(state="detached")
    results = page.locator("#results")
    assert "Northwind Traders" in results.inner_text()
    assert "q=northwind" in page.url
    screenshot(page, "customer-search")


def test_customer_list_with_customers(logged_in_page):
    # given a few customers in different states
    actor = Actor.system("tests")
    people = [
        ("Northwind Traders", "Northwind Traders Ltd", "GB", "active"),
        ("Ada Lovelace", "Analytical Engines", "GB", "active"),
        ("Jean Dupont", "Dupont & Fils", "FR", "pending"),
        ("Greta Hansen", "Fjord Hosting AS", "NO", "active"),
        ("Luis García", "Estudio García", "ES", "suspended"),
        ("Mina Kaur", "", "IE", "cancelled"),
        ("Tom Becker", "Becker Design GmbH", "DE", "active"),
        ("Sara Rossi", "Rossi Web Srl", "IT", "error"),
    ]
    for name, company, country, status in people:
        slug = name.split()[0].lower()
        customer_create(
            actor=actor,
            name=name,
            company=company,
            email=f"{slug}@example.com",
            country=country,
            status=status,
        )
    # when staff open the customer list
    page = logged_in_page
    page.goto("/customers/")
    # then every customer is listed with its status
    for name, *_ in people:
        page.get_by_role("link", name=name).wait_for()
    page.set_viewport_size({"width": 1280, "height": 640})
    screenshot(page, "customer-list", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/customers/")
    screenshot(page, "customer-list-phone")


def test_staff_creates_an_api_key_and_sees_the_secret_once(logged_in_page):
    # given a logged-in administrator on the settings pages
    page = logged_in_page
    nav(page, "Settings").click()
    screenshot(page, "settings-business")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Billing").click()
    page.get_by_label("Reminder days").wait_for()
    screenshot(page, "settings-billing")
    # when they create an API key
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("accounting export")
    page.get_by_role("button", name="Create API key").click()
    # then the secret is shown with its warning, once
    secret = page.locator("#new-api-key").inner_text()
    assert secret.startswith("fb_")
    assert page.get_by_text("shown only this once").is_visible()
    screenshot(page, "api-key-created")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("button", name="Revoke")).to_be_visible()
    expect(page.locator("#new-api-key")).to_have_count(0)
    assert secret not in page.content()


def test_option_form_offers_price_rows_and_packages(logged_in_page):
    page = logged_in_page
    nav(page, "Packages").click()
    page.get_by_role("link", name="Options").click()
    page.get_by_role("link", name="+ New option").click()
    page.get_by_role("button", name="Create option").wait_for()
    screenshot(page, "option-form")
    # submitting without a name shows the error on the field
    page.get_by_role("button", name="Create option").click()
    page.get_by_text("This field is required.").wait_for()
    screenshot(page, "option-form-errors")


PHONE_PAGES = [
    "/",
    "/customers/",
    "/customers/{customer}/",
    "/invoices/{invoice}/",
    "/packages/options/new/",
    "/reports/paid-invoices/?since=2027-06-30&until=2027-06-01",
]


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_pages_fit_a_phone_screen(browser, live_server, e2e_admin, path):
    from fairbill.invoicing.services import invoice_create

    # given a customer with an invoice, and a staff user on a 390px-wide phone
    system = Actor.system("tests")
    customer = customer_create(
        actor=system,
        name="Alexandra Montgomery-Fitzwilliam",
        company="Shah Design Partnership",
        email="accounts@shahdesign.example",
        country="GB",
    )
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Website audit", "quantity": "1", "unit_price": "120.00"}],
        issue_date=date(2027, 3, 1),
    )
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, e2e_admin.username)
    # when they open the page
    page.goto(path.format(customer=customer.pk, invoice=invoice.pk))
    screenshot(page, "phone-" + (re.sub(r"[^a-z]+", "-", path.split("?")[0]).strip("-") or "home"))
    # then nothing sticks out sideways: the page is no wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if path == "/":
        # and the status table is whole, not scrolled inside its box
        table = page.locator("table.status-counts")
        assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
        for label in ("Active", "Pending", "Suspended", "Cancelled", "Error"):
            assert page.get_by_role("row").filter(has_text=label).first.is_visible()
    if path.startswith("/customers/{"):
        # and the email is shown whole, inside the screen
        email = page.get_by_role("link", name="accounts@shahdesign.example")
        box = email.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        assert email.evaluate("e => e.parentElement.scrollWidth <= e.parentElement.clientWidth")
    context.close()
