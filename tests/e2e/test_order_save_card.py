"""A visitor orders with "save this card" (demo gateway), pays the first invoice from the
thank-you page, and finds the card saved for automatic payment; staff find the payment in
Back office → Payments: in a real browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fairbill.customers.models import Customer
from fairbill.demo.services import ADMIN_PASSWORD, ADMIN_USERNAME, demo_load
from fairbill.payments.models import Payment, SavedPaymentMethod
from tests.e2e.conftest import csp_violations, log_in, nav, screenshot

pytestmark = pytest.mark.e2e

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
PASSWORD = "a-long-browser-order-password"  # noqa: S105 (test data)


@pytest.fixture
def demo(transactional_db, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = ""
    demo_load()


def test_an_order_with_save_the_card_pays_and_keeps_the_card(page, demo, browser, live_server):
    # when a visitor orders by card and ticks "save this card"
    page.goto("/order/hosting/")
    page.get_by_label("Full name").fill("Sam Saver")
    page.get_by_label("Email").fill("sam@example.com")
    page.locator("#id_address_line1").fill("9 Harbour Road")
    page.get_by_label("Town / city").fill("Plymouth")
    page.get_by_label("Postcode / ZIP").fill("PL1 2AB")
    page.get_by_label("Username").fill("sam")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("How will you pay?").select_option("card")
    page.get_by_label("Save this card and pay future invoices with it automatically").check()
    page.get_by_label("I accept the terms and conditions").check()
    page.get_by_role("button", name="Place order").click()

    # then the thank-you page pays the first invoice and says the card will be saved
    page.get_by_role("heading", name="Thank you for your order").wait_for()
    form = page.get_by_test_id("pay-and-save")
    assert "Your card will be saved" in form.inner_text()
    screenshot(page, "order-thanks-save-card")
    form.get_by_role("button").click()
    page.get_by_role("button", name="(demo)").click()

    # and the invoice is paid, and the card is the default, collecting automatically
    customer = Customer.objects.get(email="sam@example.com")
    page.goto("/account/payment-methods/")
    methods = page.get_by_test_id("methods")
    assert "Visa (demo) •••• 4242" in methods.inner_text()
    assert page.get_by_test_id("automatic-on").is_visible()
    assert SavedPaymentMethod.objects.filter(customer=customer).count() == 1
    customer.refresh_from_db()
    assert customer.payment_method == "automatic"
    payment = Payment.objects.get(customer=customer)

    # and staff find the payment in Back office → Payments, and open its page
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    tab = staff.new_page()
    violations = csp_violations(tab)
    log_in(tab, ADMIN_USERNAME, ADMIN_PASSWORD)
    nav(tab, "Payments").click()
    tab.get_by_role("heading", name="Payments").wait_for()
    rows = tab.get_by_test_id("payments")
    assert "Sam Saver" in rows.inner_text()
    shutil.copy(screenshot(tab, "backoffice-payments"), DOCS_IMAGES / "payments.png")
    tab.locator(f'a[href="/payments/{payment.pk}/"]').click()
    tab.get_by_role("heading", name="Payment of").wait_for()
    assert "Refund…" in tab.inner_text("body")
    staff.close()
    assert violations == [], "Content-Security-Policy violations"
