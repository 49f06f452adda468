"""The customer's side in a real browser: order on the public form (running total with VAT
per country), sign up, log in to My Account, pay the invoice with the demo gateway, see the
package active; update the billing address."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.core import mail

from fairbill.customers.models import Customer
from fairbill.demo.services import CUSTOMER_PASSWORD, CUSTOMER_USERNAME, demo_load
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import Payment
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
PASSWORD = "a-long-browser-order-password"  # noqa: S105 (test data)


@pytest.fixture
def demo(transactional_db, settings):
    """The demo data: the "hosting" order form, UK/EU/NY tax rates, and (with no Stripe key)
    the demo payment gateway."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = ""
    demo_load()


def total(page) -> str:
    return page.get_by_test_id("order-total").inner_text()


def wait_total_change(page, before: str) -> str:
    page.wait_for_function(
        "(t) => document.querySelector('[data-testid=order-total]').textContent !== t", arg=before
    )
    return total(page)


def test_new_customer_orders_signs_up_pays_and_sees_the_package_active(page, demo):
    # given a visitor on the order form
    page.goto("/order/hosting/")
    page.get_by_role("heading", name="Hosting").wait_for()

    # when they pick Silver monthly with priority support and two storage blocks
    before = total(page)
    page.locator("label.package-card", has_text="Silver").click()
    uk = wait_total_change(page, before)
    page.get_by_label("Priority support").check()
    uk = wait_total_change(page, uk)
    page.get_by_label("Extra storage").fill("2")
    page.get_by_label("Extra storage").blur()
    uk = wait_total_change(page, uk)
    # Silver 20 + setup 10 + support 15 + storage 2 × 2.50 = 50, + 20% VAT
    assert uk == "£60.00"
    assert "VAT 20%" in page.locator("#order-summary").inner_text()

    # then the total follows the country: New York sales tax, German MwSt, back to UK VAT
    page.get_by_label("Country").select_option("US")
    wait_total_change(page, uk)
    page.get_by_label("County / state").select_option("NY")
    assert wait_total_change(page, "£50.00") == "£52.00"
    page.get_by_label("Country").select_option("DE")
    assert wait_total_change(page, "£52.00") == "£59.50"
    page.get_by_label("Country").select_option("GB")
    assert wait_total_change(page, "£59.50") == "£60.00"

    # when they fill in their details and place the order
    page.get_by_label("Full name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.com")
    page.locator("#id_address_line1").fill("9 Harbour Road")
    page.get_by_label("Town / city").fill("Plymouth")
    page.get_by_label("Postcode / ZIP").fill("PL1 2AB")
    page.get_by_label("Username").fill("rosa")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("How will you pay?").select_option("card")
    page.get_by_label("I accept the terms and conditions").check()
    page.evaluate("window.scrollTo(0, 0)")
    path = screenshot(page, "portal-order-form")
    shutil.copy(path, DOCS_IMAGES / "order-form.png")
    page.get_by_role("button", name="Place order").click()

    # then a thank-you page offers to pay, and the signup email has the username only
    page.get_by_role("heading", name="Thank you for your order").wait_for()
    screenshot(page, "portal-order-thanks")
    customer = Customer.objects.get(email="rosa@example.com")
    assert customer.status == "pending"
    invoice = Invoice.objects.get(customer=customer, kind="signup")
    assert str(invoice.total) == "60.00"
    signup = next(m for m in mail.outbox if m.to == ["rosa@example.com"] and "order" in m.subject)
    assert "rosa" in signup.body
    assert PASSWORD not in signup.body

    # when they log out and log in to My Account
    page.goto("/account/")
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Hello, Rosa Diaz").wait_for()
    assert "Pending" in page.locator("table").first.inner_text()

    # and pay the invoice by card (demo gateway, clearly marked)
    page.get_by_role("link", name=invoice.number).first.click()
    page.get_by_text("Demo payment — no money moves").wait_for()
    screenshot(page, "portal-invoice")
    page.get_by_role("button", name=re.compile("Pay £60.00 by card")).click()
    page.get_by_role("heading", name=f"Pay invoice {invoice.number}").wait_for()
    assert page.get_by_text("Demo payment — no money moves").is_visible()
    screenshot(page, "portal-demo-checkout")
    page.get_by_role("button", name=re.compile(r"Pay £60\.00 \(demo\)")).click()
    page.get_by_role("heading", name="Payment received").wait_for()
    screenshot(page, "portal-payment-received")

    # then My Account shows the package active and nothing due
    page.get_by_role("link", name="Overview").click()
    packages = page.get_by_role("region", name="Your packages")
    packages.get_by_text("Active").wait_for()
    assert "Silver" in packages.inner_text()
    path = screenshot(page, "portal-my-account")
    shutil.copy(path, DOCS_IMAGES / "my-account.png")
    customer.refresh_from_db()
    assert customer.status == "active"
    assert Payment.objects.get(customer=customer).gateway == "fake"


def test_customer_updates_their_billing_address(page, demo):
    # given the demo customer logged in to My Account
    page.goto("/account/login/")
    page.get_by_label("Username").fill(CUSTOMER_USERNAME)
    page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()

    # when they change their address to New York
    page.get_by_role("link", name="My details").click()
    page.locator("#id_address_line1").fill("455 Broadway")
    page.get_by_label("Town / city").fill("New York")
    page.get_by_label("Postcode / ZIP").fill("10013")
    page.get_by_label("Country").select_option("US")
    # the region becomes a list of the states with their own tax rate
    page.locator("select#id_region").wait_for()
    page.get_by_label("County / state").select_option("NY")
    screenshot(page, "portal-details")
    page.get_by_role("button", name="Save changes").click()

    # then the details are saved and recorded
    page.get_by_text("Your details are saved.").wait_for()
    customer = Customer.objects.get(user__username=CUSTOMER_USERNAME)
    assert (customer.address_line1, customer.city, customer.region) == (
        "455 Broadway",
        "New York",
        "NY",
    )
    assert customer.country.code == "US"
    assert customer.currency == "GBP"


@pytest.fixture
def phone(browser, live_server, transactional_db):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def page_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_on_a_phone_the_total_comes_before_place_order_and_nothing_is_off_screen(phone, demo):
    page = phone
    page.goto("/order/hosting/")
    summary = page.locator(".order-side").bounding_box()
    button = page.get_by_role("button", name="Place order").bounding_box()
    assert summary is not None
    assert button is not None
    assert summary["y"] + summary["height"] <= button["y"]
    assert page_width(page) <= 390
    # My Account: overview, invoices and an invoice fit the screen, each value named
    page.goto("/account/login/")
    page.get_by_label("Username").fill(CUSTOMER_USERNAME)
    page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()
    assert page_width(page) <= 390
    renews = page.locator("#packages-h ~ div td[data-label=Renews]").first
    assert renews.is_visible()
    page.goto("/account/invoices/")
    assert page_width(page) <= 390
    assert page.locator("td[data-label=Balance]").first.is_visible()
    page.locator("td.stack-head a").first.click()
    page.get_by_role("heading", name=re.compile("Invoice")).wait_for()
    assert page_width(page) <= 390
    screenshot(page, "portal-phone-invoice")
