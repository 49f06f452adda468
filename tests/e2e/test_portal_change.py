"""A customer changes their package in My Account: choose, review the prorated figures,
confirm, and land on the change invoice for exactly the amount reviewed."""

from __future__ import annotations

import re

import pytest

from fairbill.demo.services import CUSTOMER_PASSWORD, CUSTOMER_USERNAME
from fairbill.invoicing.models import Invoice
from fairbill.subscriptions.models import PackageChange
from tests.e2e.conftest import screenshot
from tests.e2e.test_portal import demo  # noqa: F401  (the demo data fixture)

pytestmark = pytest.mark.e2e


def test_customer_upgrades_in_my_account_and_gets_the_invoice_reviewed(page, demo):  # noqa: F811
    # given the demo customer (Silver monthly, paid) logged in to My Account
    page.goto("/account/login/")
    page.get_by_label("Username").fill(CUSTOMER_USERNAME)
    page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()

    # when they choose Gold monthly and review the change
    page.get_by_role("link", name="Change package").first.click()
    page.locator("label.package-card", has_text=re.compile(r"Gold.*monthly", re.S)).click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Review the change").click()
    reviewed = page.get_by_test_id("total").inner_text()
    screenshot(page, "portal-change-review")

    # then confirming issues the change invoice for exactly the reviewed total
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name=re.compile("Invoice")).first.wait_for()
    invoice = Invoice.objects.get(kind="change")
    assert reviewed.replace("\u00a0", " ") == f"£{invoice.total:,.2f}"
    assert invoice.status == "unpaid"
    change = PackageChange.objects.get()
    assert (change.from_package.name, change.to_package.name) == ("Silver", "Gold")
    assert change.actor_label.startswith(CUSTOMER_USERNAME)
    screenshot(page, "portal-change-invoice")
