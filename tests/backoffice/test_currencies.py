"""Currency lists offer the ISO 4217 currencies in use today; old data keeps its currency."""

from __future__ import annotations

from fairbill.customers.services import customer_create


def offered(response) -> list[str]:
    return [code for code, _ in response.context["form"].fields["currency"].choices]


def test_new_customer_form_offers_current_currencies_only(staff_client, business):
    # when staff open the new customer form
    codes = offered(staff_client.get("/customers/new/"))
    # then today's currencies are offered, obsolete ones and non-money units are not
    assert {"GBP", "EUR", "USD", "JPY", "CHF", "XOF", "XAF"} <= set(codes)
    assert not {"SUR", "DEM", "FRF", "ESP", "ITL", "ZWD", "VEF", "XXX", "XAU"} & set(codes)
    assert 140 <= len(codes) <= 170


def test_billing_settings_offer_current_currencies_only(staff_client, business):
    codes = offered(staff_client.get("/settings/billing/"))
    assert "GBP" in codes
    assert "DEM" not in codes


def test_customer_in_an_obsolete_currency_keeps_it_on_its_page_and_in_its_form(
    staff_client, business, system
):
    # given a customer recorded in Deutsche Mark (imported from an old system)
    customer = customer_create(
        actor=system, name="Altkunde GmbH", email="alt@example.com", country="DE", currency="DEM"
    )
    # then its page shows the currency
    page = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "DEM" in page
    # and its edit form keeps it selected, saying it is no longer in use
    response = staff_client.get(f"/customers/{customer.pk}/edit/")
    choices = dict(response.context["form"].fields["currency"].choices)
    assert "no longer in use" in choices["DEM"]
    assert 'value="DEM" selected' in response.content.decode()
