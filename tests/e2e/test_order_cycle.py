"""The order form's billing cycle follows the package: a cycle the package doesn't offer is
reset (saying so) or refused on the cycle field, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fairbill.customers.models import Customer
from fairbill.demo.services import demo_load
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db, settings):
    """The demo's "hosting" order form: Bronze (monthly, annually) and Silver (monthly,
    quarterly, annually)."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = ""
    demo_load()


def cycles_offered(page) -> list[str]:
    return page.locator("#id_cycle").locator("option").all_inner_texts()


def test_switching_to_a_package_without_the_chosen_cycle_resets_it_and_says_so(page, demo):
    # given a visitor who chose Silver, paid quarterly
    page.goto("/order/hosting/")
    page.locator("label.package-card", has_text="Silver").click()
    page.locator("#id_cycle option[value=quarterly]").wait_for(state="attached")
    page.locator("#id_cycle").select_option("quarterly")
    page.get_by_test_id("order-total").wait_for()
    # when they switch to Bronze, which is not offered quarterly
    page.locator("label.package-card", has_text="Bronze").click()
    # then the cycle changes to monthly, the form says so, and Quarterly is no longer offered
    note = page.get_by_test_id("cycle-note")
    note.wait_for()
    assert note.inner_text() == "Bronze can't be paid quarterly: changed to monthly."
    assert page.locator("#id_cycle").input_value() == "monthly"
    assert cycles_offered(page) == ["Monthly", "Annually"]
    # and the total is Bronze monthly's: 10 + setup 5, + 20% VAT
    expect(page.get_by_test_id("order-total")).to_have_text("£18.00")
    screenshot(page, "order-cycle-reset")


def test_without_javascript_a_cycle_the_package_lacks_is_reset_or_refused(
    browser, live_server, demo
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    customers = Customer.objects.count()
    # given Silver chosen and "Update total" pressed: its three cycles are offered
    page.goto("/order/hosting/")
    page.locator("label.package-card", has_text="Silver").click()
    page.get_by_role("button", name="Update total").click()
    # (the form is posted and the page reloaded: wait for the new page's cycles)
    expect(page.locator("#id_cycle option")).to_have_text(["Monthly", "Quarterly", "Annually"])
    page.locator("#id_cycle").select_option("quarterly")
    # when they switch to Bronze and update the total
    page.locator("label.package-card", has_text="Bronze").click()
    page.get_by_role("button", name="Update total").click()
    # then the cycle is reset to monthly, saying so
    assert page.get_by_test_id("cycle-note").inner_text() == (
        "Bronze can't be paid quarterly: changed to monthly."
    )
    assert page.locator("#id_cycle").input_value() == "monthly"
    # when instead they choose Silver quarterly, switch to Bronze and place the order at once
    page.locator("label.package-card", has_text="Silver").click()
    page.get_by_role("button", name="Update total").click()
    page.locator("#id_cycle").select_option("quarterly")
    page.locator("label.package-card", has_text="Bronze").click()
    page.get_by_role("button", name="Place order").click()
    # then the cycle field says what is wrong and nothing is ordered
    error = page.locator("#cycle-field small.error")
    assert error.inner_text() == "Bronze can't be paid quarterly: choose monthly or annually."
    screenshot(page, "order-cycle-refused-no-js")
    assert Customer.objects.count() == customers
    context.close()
