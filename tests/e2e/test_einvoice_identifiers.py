"""In a real browser: the business's and a customer's e-invoice identifiers, a wrong GLN
refused on the field, and the customer page showing what their e-invoices will carry."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fairbill.core.actors import Actor
from fairbill.core.models import BusinessSettings
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
SYSTEM = Actor.system("tests")


def test_set_the_business_and_customer_identifiers(logged_in_page):
    page = logged_in_page
    # given the business settings page
    page.goto("/settings/")
    page.get_by_label("Electronic address scheme").select_option("0088")
    # when a GLN with a wrong check digit is typed, the field says so and nothing is saved
    page.get_by_label("Electronic address", exact=True).fill("5790000435976")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("is not a valid GLN")).to_be_visible()
    assert BusinessSettings.load().electronic_address == ""
    # and with the right one it is saved
    page.get_by_label("Electronic address", exact=True).fill("5790000435975")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Business details saved.")).to_be_visible()
    business = BusinessSettings.load()
    assert (business.electronic_address_scheme, business.electronic_address) == (
        "0088",
        "5790000435975",
    )
    # given a Belgian customer, staff give its Peppol id (as printed, with dots) and reference
    customer = customer_create(actor=SYSTEM, name="Bakery SA", email="a@bakery.be", country="BE")
    page.goto(f"/customers/{customer.pk}/edit/")
    page.get_by_label("Electronic address scheme").select_option("0208")
    page.get_by_label("Electronic address", exact=True).fill("BE 0403.019.261")
    page.get_by_label("Buyer reference").fill("PO-4471")
    screenshot(page, "customer-einvoice-identifiers")
    page.get_by_role("button", name="Save").first.click()
    # then the customer page shows the compact id and the reference
    identifiers = page.locator("#einvoice-ids")
    expect(identifiers).to_contain_text("0208:0403019261")
    expect(identifiers).to_contain_text("PO-4471")
    assert Customer.objects.get(pk=customer.pk).electronic_address == "0403019261"
