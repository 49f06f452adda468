"""Voiding an invoice never sent, in a real browser: the reason is asked for before the
confirmation, and the confirmation before anything is written."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from fairbill.notifications.models import EmailLog

pytestmark = pytest.mark.e2e


@pytest.fixture
def unsent(e2e_business):
    system = Actor.system("tests")
    customer = customer_create(
        actor=system, name="Vera Void", email="vera@example.com", country="GB"
    )
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Consulting", "unit_price": "100.00"}],
        issue_date=clock.today(),
    )
    # its email could not be sent (the mail server refused it): the invoice was never sent
    EmailLog.objects.filter(context__invoice_id=invoice.pk).update(status=EmailLog.Status.FAILED)
    return invoice


def test_void_asks_for_the_reason_then_confirms(logged_in_page, unsent):
    page = logged_in_page
    page.goto(f"/invoices/{unsent.pk}/")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("#void summary").click()
    button = page.get_by_role("button", name="Void invoice")
    # without a reason the browser asks for it: no confirmation, nothing sent
    button.click()
    reason = page.locator("#void").get_by_label("Reason")
    assert reason.evaluate("field => field.validity.valueMissing") is True
    assert asked == []
    # with one, the confirmation comes, and then the invoice is void
    reason.fill("Issued twice by mistake")
    button.click()
    expect(page.get_by_text("Void since")).to_be_visible()
    assert asked == [f"Void invoice {unsent.number}? This can’t be undone."]
    unsent.refresh_from_db()
    assert (unsent.status, unsent.void_reason) == (Invoice.Status.VOID, "Issued twice by mistake")
