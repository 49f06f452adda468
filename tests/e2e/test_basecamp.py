"""Browser: connect Basecamp (the fake server), import customers, link projects, invoice time."""

from __future__ import annotations

import pytest

from fairbill.invoicing.models import Invoice
from tests.e2e.conftest import nav, screenshot
from tests.fakes.basecamp import CLIENT_ID, CLIENT_SECRET, FakeBasecamp, demo_data, serve

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_basecamp(settings):
    with serve(demo_data(FakeBasecamp())) as fake:
        settings.BASECAMP_LAUNCHPAD_URL = fake.base_url
        settings.BASECAMP_API_URL = fake.base_url
        yield fake


def test_connect_import_customers_and_invoice_time(logged_in_page, live_server, fake_basecamp):
    page = logged_in_page
    # Settings → Integrations: enter the integration's details and connect
    page.goto("/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Integrations").click()
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Redirect URI").fill(f"{live_server.url}/integrations/basecamp/callback/")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("Basecamp integration details saved.").wait_for()
    screenshot(page, "basecamp-1-setup")
    page.get_by_role("button", name="Connect to Basecamp").click()
    # on (fake) Basecamp: allow access
    page.get_by_role("link", name="Yes, I’ll allow access").click()
    page.get_by_text("Connected to Basecamp: Honcho Design.").wait_for()
    page.get_by_role("button", name="Test the connection").click()
    page.get_by_text("Basecamp answers: connected to Honcho Design").wait_for()
    screenshot(page, "basecamp-2-connected")

    # import customers, one per client company
    page.get_by_role("navigation", name="Basecamp").get_by_role(
        "link", name="Import customers"
    ).click()
    page.get_by_role("button", name="Import 3 customers").wait_for()
    screenshot(page, "basecamp-3-customer-preview")
    page.get_by_role("button", name="Import 3 customers").click()
    page.get_by_text("3 created, 0 updated, 0 linked, 0 unchanged").wait_for()
    page.get_by_role("button", name="Nothing to import").wait_for()
    # Basecamp has no postal address: staff are told, and the customers are badged
    page.get_by_text("3 imported customers lack what an invoice needs").wait_for()
    assert page.locator(".badge-incomplete").count() == 3
    screenshot(page, "basecamp-3b-imported")
    nav(page, "Customers").click()
    page.get_by_label("Missing invoice details").check()
    page.wait_for_url("**incomplete=on**")
    rows = page.locator("#results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    leto = page.get_by_role("row").filter(has_text="Leto Brand")
    assert "No address" in leto.inner_text()
    screenshot(page, "basecamp-3c-customers-incomplete")
    page.get_by_role("link", name="Leto Brand").click()
    warning = page.get_by_test_id("missing-details")
    assert "Invoices need this customer's address" in warning.inner_text()
    assert "Manchester" in page.locator("dl.details").first.inner_text()
    page.goto("/integrations/basecamp/customers/")

    # projects: read them, the suggestions are selected, save
    page.get_by_role("link", name="Next: projects").click()
    page.get_by_role("button", name="Read projects from Basecamp").click()
    page.get_by_text("4 project(s) read from Basecamp.").wait_for()
    page.get_by_label("Hourly rate for The Leto Locator").fill("120")
    page.get_by_role("button", name="Save links").click()
    page.get_by_text("Project links saved.").wait_for()
    screenshot(page, "basecamp-4-projects")

    # invoice March's time for Leto Brand
    page.get_by_role("link", name="Next: invoice time").click()
    page.get_by_label("Customer").select_option(label="Leto Brand")
    page.locator("#id_start").fill("2027-03-01")
    page.locator("#id_end").fill("2027-03-31")
    page.get_by_label("Hourly rate").fill("85.50")
    page.get_by_role("button", name="Show the time").click()
    page.get_by_role("heading", name="Time for Leto Brand").wait_for()
    screenshot(page, "basecamp-5-time-preview")
    # 7.25 h × 85.50 = 619.88 and 4 h × 120 = 480.00
    page.get_by_role("button", name="Create invoice for £1,099.88 + tax").click()
    page.get_by_text("created for 4 time entries (11.25 h)").wait_for()
    screenshot(page, "basecamp-6-invoice")
    invoice = Invoice.objects.get(kind="time")
    assert invoice.subtotal == invoice.total  # Leto Brand: no tax rate for GB set up here
    assert str(invoice.subtotal) == "1099.88"

    # the same range again: nothing new
    page.go_back()
    page.reload()
    page.get_by_text("No new time to invoice in this range.").wait_for()
    page.get_by_text("4 entries in this range were invoiced already").wait_for()
