"""Reports in a real browser: dates that make no report are said so on the page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_a_reversed_date_range_is_shown_as_an_error(logged_in_page):
    # given staff on the paid invoices report
    page = logged_in_page
    page.goto("/reports/paid-invoices/")
    # when they pick an end date before the start date
    page.get_by_label("From").fill("2027-06-30")
    page.get_by_label("To").fill("2027-06-01")
    page.get_by_role("button", name="Show").click()
    # then the page says so, next to the dates, and shows no figures
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "To: 1 Jun 2027 is before the “From” date, 30 Jun 2027" in alert.inner_text()
    assert page.get_by_role("link", name="Export CSV").count() == 0
    assert page.get_by_text("Nothing for these dates.").count() == 0
    # and the dates they typed are kept, to correct
    assert page.get_by_label("From").input_value() == "2027-06-30"
    screenshot(page, "report-reversed-dates")
    # when they correct them, the report shows
    page.get_by_label("To").fill("2027-07-31")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("30 Jun 2027 – 31 Jul 2027").wait_for()
    assert page.get_by_role("alert").count() == 0
