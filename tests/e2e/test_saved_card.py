"""A customer saves a card in My Account through the demo gateway, and the next invoice due
is collected by the daily billing run: in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fairbill.automation.billing_run import billing_run
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.services import customer_create, customer_login_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.models import PaymentAttempt, SavedPaymentMethod
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-browser-card-password"  # noqa: S105 (test data)


@pytest.fixture
def card_customer(e2e_business, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = "fake"
    system = Actor.system("tests")
    customer = customer_create(
        actor=system,
        name="Rosa Card",
        email="rosa@example.com",
        country="GB",
        address_line1="1 Road",
    )
    customer_login_create(actor=system, customer=customer, username="rosa", password=PASSWORD)
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Hosting", "unit_price": "30.00"}],
        issue_date=clock.today() - timedelta(days=7),  # seven days' terms: due today
    )
    return customer, invoice


def test_a_card_saved_in_my_account_pays_the_invoice_due_in_the_daily_run(page, card_customer):
    customer, invoice = card_customer
    page.goto("/account/login/")
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account/")

    # when Rosa saves a card on the Payment methods page
    page.get_by_role("link", name="Payment methods").click()
    page.get_by_role("heading", name="Payment methods", exact=True).wait_for()
    page.get_by_role("button", name="Add a card or Direct Debit").click()
    page.get_by_role("heading", name="Save a card (demo)").wait_for()
    assert page.get_by_text("Demo payment — no money moves").is_visible()
    page.get_by_label("Visa ending 4242 — always charged").check()
    page.get_by_role("button", name="Save card (demo)").click()

    # then it is her default method and her invoices are paid automatically
    page.get_by_text("is saved: your invoices are paid with it on their due date").wait_for()
    methods = page.get_by_test_id("methods")
    assert "Visa (demo) •••• 4242" in methods.inner_text()
    assert "Default" in methods.inner_text()
    assert page.get_by_test_id("automatic-on").is_visible()
    screenshot(page, "portal-payment-methods")
    method = SavedPaymentMethod.objects.get(customer=customer)
    assert method.is_default

    # when the daily billing run comes on the due date
    billing_run(as_of=clock.today(), actor=Actor.system("billing run"))

    # then the invoice is paid, collected from the saved card
    page.goto(f"/account/invoices/{invoice.pk}/")
    page.get_by_role("heading", name=f"Invoice {invoice.number}").wait_for()
    assert "Paid" in page.locator("h1 .badge").inner_text()
    attempt = PaymentAttempt.objects.get(invoice=invoice)
    assert (attempt.state, attempt.method_id) == ("succeeded", method.pk)
