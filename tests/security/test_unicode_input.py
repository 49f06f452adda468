"""Text no database can store, and digits from other scripts, at every entrance: the API
(every body schema), the back-office forms and the CSV import answer a 422 or a form error,
never a 500; amounts take ASCII digits only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairbill.core.errors import InvalidInput
from fairbill.core.money import parse_amount, parse_decimal
from fairbill.customers.models import Customer
from fairbill.payments.models import CreditEntry
from tests.api.checks import assert_invalid

SURROGATE = "\ud800x"
JANE = {"name": "Jane Smith", "email": "jane@example.com", "country": "GB"}


# Lone surrogates through the API


def test_a_lone_surrogate_in_a_new_customer_is_a_422(api, business):
    response = api.post("/customers", {**JANE, "name": SURROGATE})
    assert_invalid(response, "name")
    assert "Unicode" in response.json()["detail"]
    assert not Customer.objects.exists()


def test_a_lone_surrogate_in_a_customer_edit_is_a_422(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"city": SURROGATE})
    assert_invalid(response, "city")
    customer.refresh_from_db()
    assert customer.city == "London"


def test_a_lone_surrogate_in_a_nested_list_is_named(api, business):
    lines = [{"description": "Work", "unit_price": "1.00"}, {"description": SURROGATE}]
    response = api.post("/invoices", {"customer_id": 1, "lines": lines})
    assert response.status_code == 422
    assert "lines.1.description" in response.json()["detail"]


def _text_entrances(client) -> list[tuple[str, str, str]]:
    """(method, path, field) for every top-level string field of every request body."""
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref")
            if not ref:
                continue
            body = components[ref.rsplit("/", 1)[-1]]
            for name, prop in body.get("properties", {}).items():
                if prop.get("type") == "string" and "format" not in prop:
                    found.append((method, path.replace("{id}", "1"), name))
    return found


@st.composite
def broken_text(draw):
    """Any text with a lone surrogate somewhere in it."""
    text = draw(st.text(max_size=20))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    surrogate = draw(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
    return text[:at] + surrogate + text[at:]


def test_every_text_field_of_every_body_refuses_a_lone_surrogate(api, client, customer, bronze):
    entrances = _text_entrances(client)
    assert len(entrances) > 40  # customers, settings, tax rates, packages, options, invoices...

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.sampled_from(entrances), broken_text())
    def refused(entrance, text):
        method, path, field = entrance
        send = api.post if method == "post" else api.patch
        response = send(path.removeprefix("/api/v1"), {field: text})
        assert response.status_code == 422, (method, path, field, response.content)
        assert response.json()["code"] == "invalid"
        assert "Unicode" in response.json()["detail"]  # refused for the text, nothing else

    refused()


# Lone surrogates through forms and the CSV import


def test_a_form_field_with_a_broken_utf8_sequence_is_no_500(staff_client, business):
    # The browser sends the bytes of a lone surrogate (ED A0 80): Django decodes form data with
    # replacement characters, so what reaches the form is valid text.
    response = staff_client.post(
        "/customers/new/",
        "name=%ED%A0%80x&email=jane%40example.com&country=GB&currency=GBP"
        "&payment_method=bank_transfer&status=active&vat_applies=on",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 302)
    for customer in Customer.objects.all():
        customer.name.encode("utf-8")  # storable


def test_a_csv_import_with_a_nul_character_is_refused_with_a_message(staff_client, business):
    upload = SimpleUploadedFile(
        "customers.csv", b"Name,Email\nAda\x00,ada@example.com\n", content_type="text/csv"
    )
    response = staff_client.post("/imports/customers/", {"file": upload})
    assert response.status_code == 200
    assert "NUL" in response.content.decode()
    assert not Customer.objects.exists()


def test_services_refuse_unstorable_text_whatever_the_entrance(customer, system):
    from fairbill.customers.services import customer_update

    with pytest.raises(InvalidInput, match="city: text must be valid Unicode"):
        customer_update(actor=system, customer=customer, city=SURROGATE)
    with pytest.raises(InvalidInput, match="city: text can't contain NUL"):
        customer_update(actor=system, customer=customer, city="a\x00b")


# Digits of other scripts


@pytest.mark.parametrize("text", ["١٢", "５", "12٫5", "²", "①", "１２.５０"])
def test_amounts_take_ascii_digits_only(text):
    with pytest.raises(InvalidInput, match="not a number"):
        parse_amount(text, "GBP")
    with pytest.raises(InvalidInput, match="not a number"):
        parse_decimal(text, field="rate", places=4)


@pytest.mark.parametrize("text", ["١٢", "５"])
def test_unicode_digits_as_credit_through_the_api_are_a_422(api, customer, text):
    response = api.post(f"/customers/{customer.pk}/credit", {"amount": text, "reason": "x"})
    assert_invalid(response, "amount")
    assert not CreditEntry.objects.exists()


@pytest.mark.parametrize("text", ["١٢", "５"])
def test_unicode_digits_as_credit_in_the_back_office_are_a_form_error(staff_client, customer, text):
    response = staff_client.post(
        f"/customers/{customer.pk}/credit/", {"amount": text, "reason": "x"}
    )
    assert response.status_code == 200
    assert response.context["credit_form"].errors["amount"]
    assert not CreditEntry.objects.exists()


@pytest.mark.parametrize("code", ["\u00b3", "²", "①", "١٢", "gb\u0301"])
def test_unicode_digit_countries_are_a_422_on_every_entrance(api, customer, gb_vat, code):
    for response, field in [
        (api.post("/customers", {**JANE, "country": code}), "country"),
        (api.patch(f"/customers/{customer.pk}", {"country": code}), "country"),
        (api.post("/tax-rates", {"country": code, "name": "VAT", "rate": "20"}), "country"),
        (api.patch(f"/tax-rates/{gb_vat.pk}", {"country": code}), "country"),
        (api.patch("/settings", {"country": code}), "country"),
    ]:
        assert_invalid(response, field)


@pytest.mark.parametrize("code", ["\u00b3", "①"])
def test_services_check_countries_before_django_countries(customer, system, code):
    from fairbill.catalog.services import tax_rate_create
    from fairbill.core.services import settings_update
    from fairbill.customers.services import customer_update

    for call in (
        lambda: customer_update(actor=system, customer=customer, country=code),
        lambda: tax_rate_create(actor=system, country=code, name="VAT", rate="20"),
        lambda: settings_update(actor=system, country=code),
    ):
        with pytest.raises(InvalidInput, match="country"):
            call()


@pytest.mark.parametrize("query", ["\u00b3", "①", "١٢", "9" * 40])
def test_searching_customers_for_unicode_digits_is_no_500(api, customer, query):
    response = api.get("/customers", q=query)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_searching_customers_by_ascii_id_still_finds_them(api, customer):
    response = api.get("/customers", q=str(customer.pk))
    assert [c["id"] for c in response.json()["items"]] == [customer.pk]
