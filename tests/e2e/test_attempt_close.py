"""Staff close an automatic charge that never had an answer, from the invoice's page, after
confirming: in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from fairbill.payments.collection import attempt_schedule
from fairbill.payments.gateways.base import MethodDetails
from fairbill.payments.methods import customer_set_automatic, method_save
from fairbill.payments.models import PaymentAttempt
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def unanswered(e2e_business, settings):
    """An invoice whose automatic charge was sent and never answered."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = "fake"
    system = Actor.system("tests")
    customer = customer_create(
        actor=system, name="Nora Noanswer", email="nora@example.com", country="GB"
    )
    method_save(
        actor=system,
        customer=customer,
        gateway="fake",
        details=MethodDetails(
            reference="fake_pm_4242", gateway_customer="", kind="card", label="Visa", last4="4242"
        ),
    )
    customer_set_automatic(actor=system, customer=customer, automatic=True)
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Hosting", "unit_price": "30.00"}],
        issue_date=clock.today() - timedelta(days=7),
    )
    attempt = attempt_schedule(invoice_id=invoice.pk, on=clock.today())
    # the gateway's answer was lost
    # two days ago, and Stripe's search of payments can't be used since
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        state=PaymentAttempt.State.UNKNOWN,
        failure_message="Stripe's search of payments could not be used: not available",
        created_at=clock.now() - timedelta(days=2),
    )
    return invoice


def test_staff_close_a_charge_without_an_answer_after_confirming(logged_in_page, unanswered):
    page = logged_in_page
    page.goto(f"/invoices/{unanswered.pk}/")
    section = page.locator("#attempts")
    expect(section.get_by_test_id("attempt-unanswered")).to_contain_text(
        "Charge 1 has had no answer from the gateway"
    )
    section.get_by_label("What you checked").fill("No payment in Stripe's dashboard")
    screenshot(page, "attempt-close")
    # when staff dismiss the confirmation nothing changes
    page.once("dialog", lambda dialog: dialog.dismiss())
    section.get_by_role("button", name="Close as not charged").click()
    expect(section.get_by_test_id("attempt-state")).to_have_text("Unknown")
    # when they accept it the charge is closed and the page says what follows
    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="Close as not charged").click()
    expect(page.get_by_text("closed as not charged: the invoice goes back")).to_be_visible()
    expect(page.locator("#attempts").get_by_test_id("attempt-state")).to_have_text(
        "Closed, not charged"
    )
    expect(page.locator("#attempts").get_by_test_id("attempt-close")).to_have_count(0)
    assert PaymentAttempt.objects.get().failure_code == "closed_by_staff"
