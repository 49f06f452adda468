"""Electronic addresses, buyer reference and registration numbers of customers and of the
business: services, API (422 on bad input) and back office forms (field errors)."""

from __future__ import annotations

import pytest

from fairbill.core.errors import InvalidInput
from fairbill.core.models import BusinessSettings
from fairbill.core.services import settings_update
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_update
from tests.backoffice.conftest import form_errors

PEPPOL = {
    "electronic_address_scheme": "0208",
    "electronic_address": "0403.019.261",
    "buyer_reference": "PO-4471",
    "company_number": "0403019261",
    "company_number_scheme": "0208",
}


def test_a_customer_keeps_its_identifiers_in_compact_form(business, system):
    buyer = customer_create(
        actor=system, name="Bakery SA", email="a@bakery.be", country="BE", **PEPPOL
    )
    assert (buyer.electronic_address_scheme, buyer.electronic_address) == ("0208", "0403019261")
    assert buyer.buyer_reference == "PO-4471"


def test_a_bad_electronic_address_is_refused_and_nothing_changes(business, system, customer):
    with pytest.raises(InvalidInput) as refused:
        customer_update(
            actor=system,
            customer=customer,
            electronic_address_scheme="0088",
            electronic_address="5790000435976",
        )
    assert refused.value.field == "electronic_address"
    assert Customer.objects.get(pk=customer.pk).electronic_address == ""


def test_api_customer_fields(api, business):
    response = api.post(
        "/customers", {"name": "Bakery SA", "email": "a@bakery.be", "country": "BE", **PEPPOL}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in PEPPOL} == {**PEPPOL, "electronic_address": "0403019261"}
    bad = api.patch(f"/customers/{body['id']}", {"electronic_address": "0403019262"})
    assert bad.status_code == 422
    assert "electronic address" in bad.json()["detail"]
    unknown = api.patch(f"/customers/{body['id']}", {"electronic_address_scheme": "1234"})
    assert unknown.status_code == 422


def test_api_settings_fields(api, business):
    response = api.patch(
        "/settings", {"electronic_address_scheme": "0088", "electronic_address": "5790000435975"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["electronic_address"] == "5790000435975"
    missing = api.patch("/settings", {"electronic_address_scheme": "", "company_number_scheme": ""})
    assert missing.status_code == 422  # an address without its scheme
    assert BusinessSettings.load().electronic_address_scheme == "0088"


def test_settings_service_refuses_a_scheme_without_a_number(business, system):
    with pytest.raises(InvalidInput) as refused:
        settings_update(actor=system, company_number="", company_number_scheme="0002")
    assert refused.value.field == "company_number_scheme"


def test_back_office_customer_form_shows_the_field_error(staff_client, business, customer):
    data = {
        "name": customer.name,
        "email": customer.email,
        "country": "GB",
        "currency": "GBP",
        "payment_method": "bank_transfer",
        "vat_applies": "on",
        "electronic_address_scheme": "0088",
        "electronic_address": "123",
        "login": "none",
    }
    response = staff_client.post(f"/customers/{customer.pk}/edit/", data)
    assert response.status_code == 200
    assert "electronic_address" in form_errors(response)
    data["electronic_address"] = "5790000435975"
    response = staff_client.post(f"/customers/{customer.pk}/edit/", data)
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).electronic_address == "5790000435975"


def test_the_customer_page_shows_the_identifiers(staff_client, business, system):
    buyer = customer_create(
        actor=system, name="Bakery SA", email="a@bakery.be", country="BE", **PEPPOL
    )
    page = staff_client.get(f"/customers/{buyer.pk}/").content.decode()
    assert "<code>0208:0403019261</code>" in page
    assert "Buyer reference <code>PO-4471</code>" in page
