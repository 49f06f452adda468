"""Estimates in a real browser: staff make an estimate from the customer page and send it;
the customer accepts it in My Account and lands on the invoice it became, ready to pay."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from fairbill.catalog.services import tax_rate_create
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.services import customer_create, customer_login_create
from fairbill.invoicing.models import Estimate, Invoice
from tests.e2e.conftest import E2E_PASSWORD, screenshot

pytestmark = pytest.mark.e2e

SYSTEM = Actor.system("tests")


@pytest.fixture
def jane(e2e_business, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = "fake"  # the demo gateway: card payments simulated
    tax_rate_create(actor=SYSTEM, country="GB", name="VAT", rate="20")
    customer = customer_create(
        actor=SYSTEM,
        name="Jane Smith",
        email="jane@example.com",
        country="GB",
        address_line1="1 High Street",
        city="London",
        postcode="SW1A 1AA",
    )
    customer_login_create(actor=SYSTEM, customer=customer, username="jane", password=E2E_PASSWORD)
    customer.refresh_from_db()
    return customer


def test_staff_send_an_estimate_and_the_customer_accepts_it(
    logged_in_page, browser, live_server, jane
):
    page = logged_in_page
    # given the customer's page, when staff make a new estimate of two days at £50.00
    page.goto(f"/customers/{jane.pk}/")
    page.get_by_role("link", name="New estimate", exact=True).click()
    page.get_by_role("heading", name="New estimate").wait_for()
    page.locator("#id_lines-0-description").fill("Website audit (days)")
    page.locator("#id_lines-0-quantity").fill("2")
    page.locator("#id_lines-0-unit_price").fill("50.00")
    page.get_by_label("Valid until").fill(f"{clock.today() + timedelta(days=30):%Y-%m-%d}")
    page.get_by_role("button", name="Save estimate").click()

    # then its page shows the total with VAT, and sending emails it with its PDF
    page.get_by_role("heading", name="Estimate EST-00001").wait_for()
    assert "£120.00" in page.locator("table.sums").inner_text()
    page.get_by_role("button", name="Send to customer").click()
    page.get_by_text("is being emailed to jane@example.com").wait_for()
    screenshot(page, "backoffice-estimate")
    [email] = [m for m in mail.outbox if "Estimate EST-00001" in m.subject]
    assert email.to == ["jane@example.com"]
    assert email.attachments[0][0] == "EST-00001.pdf"

    # when the customer logs in to My Account (their own browser)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    customer_tab = context.new_page()
    customer_tab.set_default_timeout(15_000)
    customer_tab.goto("/account/login/")
    customer_tab.get_by_label("Username").fill("jane")
    customer_tab.get_by_label("Password").fill(E2E_PASSWORD)
    customer_tab.get_by_role("button", name="Log in").click()
    customer_tab.get_by_role("heading", name="Hello, Jane Smith").wait_for()

    # then the estimate waits for an answer on the overview; they open it and accept it
    customer_tab.get_by_text("Estimate waiting for your answer").wait_for()
    customer_tab.get_by_role("link", name="Review and accept").click()
    customer_tab.get_by_role("heading", name="Estimate EST-00001").wait_for()
    screenshot(customer_tab, "portal-estimate")
    customer_tab.once("dialog", lambda dialog: dialog.accept())
    customer_tab.get_by_role("button", name="Accept estimate").click()

    # and they see the new invoice, £120.00 due, with the way to pay it
    customer_tab.get_by_role("heading", name="Invoice INV-00001").wait_for()
    invoice = Invoice.objects.get()
    assert customer_tab.get_by_test_id("balance").inner_text() == "£120.00"
    customer_tab.get_by_role("heading", name="Pay this invoice").wait_for()
    screenshot(customer_tab, "portal-estimate-accepted")
    estimate = Estimate.objects.get()
    assert (estimate.status, estimate.invoice_id) == ("accepted", invoice.pk)

    # and pay it as any invoice (the demo gateway)
    customer_tab.get_by_role("button", name=re.compile(r"Pay £120\.00 by card")).click()
    customer_tab.get_by_role("button", name=re.compile(r"Pay £120\.00 \(demo\)")).click()
    customer_tab.get_by_role("heading", name="Payment received").wait_for()
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    context.close()
