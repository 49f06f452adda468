"""In a real browser: a VAT number VIES could not check, "Check now" once VIES answers, and the
reverse-charged invoice with its wording and its e-invoice download."""

from __future__ import annotations

from datetime import date

import pytest

from fairbill.catalog.services import tax_rate_create
from fairbill.core.actors import Actor
from fairbill.core.services import settings_update
from fairbill.customers.services import customer_create
from fairbill.invoicing.services import invoice_create
from tests.e2e.conftest import screenshot
from tests.fakes.vat_registers import VIES_PATH, vies_error, vies_valid

pytestmark = pytest.mark.e2e
SYSTEM = Actor.system("tests")


def test_check_now_then_a_reverse_charged_invoice_and_its_einvoice(logged_in_page, vies):
    page = logged_in_page
    # a reverse charge needs the business's own VAT number (BR-AE-02)
    settings_update(actor=SYSTEM, vat_number="GB980780684")
    tax_rate_create(actor=SYSTEM, country="DE", name="MwSt", rate="19")
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_error("MS_UNAVAILABLE")
    )
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    customer = customer_create(
        actor=SYSTEM, name="Acme GmbH", email="a@acme.de", country="DE", vat_number="DE136695976"
    )
    page.goto(f"/customers/{customer.pk}/")
    assert "Unverified" in page.locator("#vat-check").inner_text()
    assert "could not be checked" in page.locator("#next-tax").inner_text()
    page.get_by_role("button", name="Check now").click()
    page.get_by_text("VAT number DE136695976: valid.").wait_for()
    assert "WAPIAAAAZHxLjQ1m" in page.locator("#vat-check").inner_text()
    assert page.locator("#next-tax").inner_text().startswith("Reverse charge")
    screenshot(page, "customer-vat-checked")

    invoice = invoice_create(
        actor=SYSTEM,
        customer=customer,
        lines=[{"description": "Consulting", "unit_price": "500.00"}],
        issue_date=date.today(),
    )
    page.goto(f"/invoices/{invoice.pk}/")
    assert "Reverse charge: VAT to be accounted for by the recipient" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="E-invoice (UBL)").click()
    xml = open(download.value.path(), "rb").read()  # noqa: PTH123
    assert b"<cbc:ID>AE</cbc:ID>" in xml
    assert b'<cbc:TaxAmount currencyID="GBP">0.00</cbc:TaxAmount>' in xml
    screenshot(page, "invoice-reverse-charge")
