"""E-invoice downloads: API, back office, My Account; the customer's vat_check in the API."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from fairbill.core.services import settings_update
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.services import invoice_create
from tests.fakes.vat_registers import VIES_PATH, vies_error, vies_valid


@pytest.fixture
def invoice(customer, gb_vat, system):
    return invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Consulting", "quantity": "2", "unit_price": "50.00"}],
        issue_date=date(2027, 3, 10),
    )


def root_tag(xml: bytes) -> str:
    return etree.QName(etree.fromstring(xml)).localname


def test_api_gives_cii_and_ubl(api, invoice):
    cii = api.get(f"/invoices/{invoice.pk}/einvoice", syntax="cii")
    assert cii.status_code == 200
    assert cii["Content-Type"] == "application/xml"
    assert cii["Content-Disposition"] == 'attachment; filename="INV-00001.cii.xml"'
    assert root_tag(cii.content) == "CrossIndustryInvoice"
    ubl = api.get(f"/invoices/{invoice.pk}/einvoice", syntax="ubl")
    assert root_tag(ubl.content) == "Invoice"
    assert b'<cbc:PayableAmount currencyID="GBP">120.00</cbc:PayableAmount>' in ubl.content


def test_api_refuses_unknown_invoices_drafts_and_other_syntaxes(api, invoice, customer):
    assert api.get("/invoices/999999/einvoice").status_code == 404
    assert api.get(f"/invoices/{invoice.pk}/einvoice", syntax="pdf").status_code == 422
    # Drafts have no number (no service makes one today; the model allows it).
    draft = Invoice.objects.create(
        customer=customer, kind="manual", currency="GBP", created_at=invoice.created_at
    )
    response = api.get(f"/invoices/{draft.pk}/einvoice")
    assert response.status_code == 409
    assert response.json()["code"] == "draft"


def test_back_office_links_and_download(staff_client, invoice):
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f"/invoices/{invoice.pk}/einvoice/cii" in page
    assert f"/invoices/{invoice.pk}/einvoice/ubl" in page
    response = staff_client.get(f"/invoices/{invoice.pk}/einvoice/ubl")
    assert response.status_code == 200
    assert root_tag(response.content) == "Invoice"


def test_pdf_is_facturx_only_when_the_setting_is_on(api, invoice, system):
    from facturx import get_facturx_xml_from_pdf

    on = api.get(f"/invoices/{invoice.pk}/pdf").content
    assert get_facturx_xml_from_pdf(on, check_xsd=False)[0] == "factur-x.xml"
    settings_update(actor=system, einvoice_pdf=False)
    off = api.get(f"/invoices/{invoice.pk}/pdf").content
    assert not get_facturx_xml_from_pdf(off, check_xsd=False)[1]


def test_customer_api_shows_the_vat_check(api, business, vies):
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_error("MS_UNAVAILABLE")
    )
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    created = api.post(
        "/customers",
        {"name": "Acme GmbH", "email": "a@acme.de", "country": "DE", "vat_number": "DE136695976"},
    ).json()
    assert created["vat_check"]["status"] == "unverified"
    assert created["vat_check"]["error"] == "MS_UNAVAILABLE"
    checked = api.post(f"/customers/{created['id']}/vat-check").json()
    assert checked["vat_check"]["status"] == "valid"
    assert checked["vat_check"]["consultation"] == "WAPIAAAAZHxLjQ1m"
    assert checked["vat_check"]["name"] == "ACME GMBH"


def test_invoice_api_shows_the_treatment(api, invoice):
    body = api.get(f"/invoices/{invoice.pk}").json()
    assert (body["tax_treatment"], body["tax_note"]) == ("standard", "")
    assert body["tax"] == str(Decimal("20.00"))


def test_customer_page_check_now(staff_client, business, system, vies):
    from fairbill.customers.services import customer_create

    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(vies_error("TIMEOUT"))
    vies.expect_ordered_request(VIES_PATH, method="POST").respond_with_json(
        vies_valid("DE136695976")
    )
    customer = customer_create(
        actor=system, name="Acme GmbH", email="a@acme.de", country="DE", vat_number="DE136695976"
    )
    page = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Unverified" in page
    assert "No reverse charge: the VAT number could not be checked" in page
    response = staff_client.post(f"/customers/{customer.pk}/vat-check/", follow=True)
    page = response.content.decode()
    assert "WAPIAAAAZHxLjQ1m" in page
    assert "Reverse charge" in page


def test_bank_details_and_einvoice_settings_through_the_api(api, business):
    bad = api.patch("/settings", {"iban": "GB00 WEST 1234 5698 7654 32"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("IBAN:")
    body = api.patch(
        "/settings",
        {
            "iban": "GB29 NWBK 6016 1331 9268 19",
            "bic": "NWBKGB2L",
            "einvoice_pdf": False,
            "vat_check_max_age_days": 14,
        },
    ).json()
    assert (body["iban"], body["bic"]) == ("GB29NWBK60161331926819", "NWBKGB2L")
    assert (body["einvoice_pdf"], body["vat_check_max_age_days"]) == (False, 14)


def test_a_control_character_in_a_name_does_not_stop_the_export(api, customer, gb_vat, system):
    # given an invoice to a customer whose name was typed with a vertical tab
    customer.name = "Vertical\x0bTab Ltd"
    customer.save(update_fields=["name"])
    invoice = invoice_create(
        actor=system,
        customer=customer,
        lines=[{"description": "Setup\x0c work", "quantity": "1", "unit_price": "10.00"}],
        issue_date=date(2027, 3, 10),
    )
    # when it is exported in both syntaxes
    for syntax in ("cii", "ubl"):
        response = api.get(f"/invoices/{invoice.pk}/einvoice", syntax=syntax)
        # then the XML is well formed, without the characters XML can't carry
        assert response.status_code == 200
        assert b"VerticalTab Ltd" in response.content
        assert b"Setup work" in response.content
        etree.fromstring(response.content)
