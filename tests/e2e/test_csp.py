"""The Content-Security-Policy blocks nothing Fairbill itself needs: the main pages of the
back office (htmx, charts), the order form (running total) and My Account load without a
single violation in the browser console. (Every other browser test checks the same through
the `page` fixture.)"""

from __future__ import annotations

import pytest

from fairbill.customers.models import Customer
from fairbill.demo.services import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    CUSTOMER_PASSWORD,
    CUSTOMER_USERNAME,
    demo_load,
)
from fairbill.invoicing.models import CreditNote, Invoice
from tests.e2e.conftest import csp_violations, log_in

pytestmark = pytest.mark.e2e

STAFF_PAGES = [
    "/",
    "/customers/",
    "/customers/{customer}/",
    "/invoices/",
    "/invoices/{invoice}/",
    "/invoices/{credited}/credit/",
    "/credit-notes/",
    "/credit-notes/{note}/",
    "/billing/",
    "/packages/",
    "/packages/options/new/",
    "/reports/",
    "/reports/payments/",
    "/reports/refunds/",
    "/settings/",
    "/settings/staff/",
    "/staff/two-factor/",
    "/api/v1/docs",
]
CUSTOMER_PAGES = [
    "/account/",
    "/account/invoices/",
    "/account/invoices/{invoice}/",
    "/account/credit-notes/",
    "/account/credit-notes/{note}/",
    "/account/details/",
]


@pytest.fixture
def demo(transactional_db, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_GATEWAY = ""
    demo_load()


def test_main_pages_load_without_a_csp_violation(browser, live_server, demo):
    customer = Customer.objects.get(user__username=CUSTOMER_USERNAME)
    invoice = Invoice.objects.filter(customer=customer).exclude(number="").first()
    note = CreditNote.objects.filter(customer=customer).get()
    ids = {"customer": customer.pk, "invoice": invoice.pk, "note": note.pk}
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    violations = csp_violations(page)
    # the back office, htmx and charts included
    log_in(page, ADMIN_USERNAME, ADMIN_PASSWORD)
    for path in STAFF_PAGES:
        response = page.goto(path.format(credited=note.invoice_id, **ids))
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    # the public order form, whose total is updated by htmx
    page.context.clear_cookies()
    page.goto("/order/hosting/")
    page.get_by_label("Country").select_option("DE")
    page.wait_for_load_state("networkidle")
    # My Account
    page.goto("/account/login/")
    page.get_by_label("Username").fill(CUSTOMER_USERNAME)
    page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account/")
    for path in CUSTOMER_PAGES:
        assert page.goto(path.format(**ids)).status == 200, path
    context.close()
    assert violations == []
