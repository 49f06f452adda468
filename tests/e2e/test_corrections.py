"""In a real browser: staff give a new customer a My Account login by invitation and the
customer sets a password from the email and logs in; a billing run dated after today is a
dry run until confirmed, and a run in progress disables its buttons and says it works."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from fairbill.catalog.services import package_create
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice
from fairbill.subscriptions.services import subscription_create
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-brand-new-customer-password"  # noqa: S105 (test data)


def test_staff_invite_a_new_customer_who_sets_a_password_and_logs_in(
    browser, page, live_server, e2e_admin
):
    log_in(page, "alice")
    # given the new-customer form, with the invitation chosen by default
    page.goto("/customers/new/")
    page.locator("#id_name").fill("Northwind Traders")
    page.locator("#id_email").fill("accounts@northwind.example")
    page.locator("#id_country").select_option("GB")
    page.locator("#id_username").fill("northwind")
    expect(page.get_by_label("Email an invitation to choose a password")).to_be_checked()
    screenshot(page, "backoffice-customer-new-login")
    # when staff create the customer
    page.get_by_role("button", name="Create customer").click()
    page.get_by_text("An invitation to choose a My Account password is on its way.").wait_for()
    page.get_by_text("invited, no password yet").wait_for()

    # then the customer gets an email with a link
    (message,) = [m for m in mail.outbox if m.to == ["accounts@northwind.example"]]
    path = re.search(r"(/account/invitation/[^\s\"<]+)", message.body)[1].rstrip(".")

    # and, in their own browser, chooses a password with it
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    customer_tab = context.new_page()
    customer_tab.goto(path)
    customer_tab.get_by_role("heading", name="Choose your password").wait_for()
    customer_tab.get_by_text("Your username is northwind").wait_for()
    customer_tab.locator("#id_new_password1").fill(NEW_PASSWORD)
    customer_tab.locator("#id_new_password2").fill(NEW_PASSWORD)
    screenshot(customer_tab, "portal-invitation")
    customer_tab.get_by_role("button", name="Set my password").click()
    customer_tab.get_by_text("Your password is set. Log in with it now.").wait_for()

    # and logs in to My Account
    customer_tab.get_by_label("Username").fill("northwind")
    customer_tab.get_by_label("Password").fill(NEW_PASSWORD)
    customer_tab.get_by_role("button", name="Log in").click()
    customer_tab.get_by_role("heading", name=re.compile("Hello")).wait_for()
    screenshot(customer_tab, "portal-invited-customer-logged-in")
    context.close()

    # staff see the login as active now
    customer = Customer.objects.get(email="accounts@northwind.example")
    page.goto(f"/customers/{customer.pk}/edit/")
    expect(page.locator("#login")).to_contain_text("active")


def test_a_future_run_is_a_dry_run_until_confirmed_and_shows_progress(page, e2e_admin):
    system = Actor.system("tests")
    bronze = package_create(
        actor=system, name="Bronze", prices=[{"cycle": "monthly", "price": "10.00"}]
    )
    customer = customer_create(
        actor=system, name="Jane Smith", email="jane@example.com", country="GB"
    )
    today = clock.today()
    subscription_create(
        actor=system, customer=customer, package=bronze, cycle="monthly", start_date=today
    )
    ahead = today + timedelta(days=17)
    log_in(page, "alice")
    page.goto("/billing/")

    # while a run works, its buttons are disabled and the page says it is working
    # (the submission is stopped in the page so that the run stays "working")
    page.evaluate(
        """() => document.querySelector("form.run-form")
            .addEventListener("submit", (event) => event.preventDefault())"""
    )
    page.get_by_label("As of").fill(ahead.isoformat())
    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_role("button", name="Dry run")).to_be_disabled()
    expect(page.get_by_role("button", name="Run now")).to_be_disabled()
    expect(page.locator("#run-progress")).to_contain_text("Working")
    screenshot(page, "backoffice-billing-run-working")

    # when "Run now" is pressed for a date 17 days ahead
    page.goto("/billing/")
    page.get_by_label("As of").fill(ahead.isoformat())
    page.get_by_role("button", name="Run now").click()

    # then "Run now" for a date 17 days ahead made a dry run and asks to confirm
    heading = f"{ahead:%-d %b %Y} is 17 days after today: this was a dry run"
    page.get_by_role("heading", name=heading).wait_for()
    expect(page.locator("#confirm-future")).to_contain_text("would count as 17 days overdue")
    screenshot(page, "backoffice-billing-future-confirm")
    assert not Invoice.objects.exists()

    # when staff confirm, the run is real and the invoice is dated that day
    page.get_by_role("button", name=f"Run as of {ahead:%-d %b %Y} for real").click()
    done = re.compile(r"Billing run as of .* done: 1 customer looked at, 1 invoice")
    page.get_by_text(done).wait_for()
    assert Invoice.objects.get().issue_date == ahead
