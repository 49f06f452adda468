"""Strict API input: a typo is a 422, never a guess (above all where money moves), and the
OpenAPI document says exactly what the server takes and answers."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from fairbill.catalog.services import tax_rate_create
from fairbill.core.errors import InvalidInput
from fairbill.core.money import parse_decimal
from fairbill.invoicing.models import BillingRun, Invoice
from fairbill.invoicing.services import line_specs_parse
from tests.api.checks import assert_invalid, rows


@pytest.fixture
def today():
    with time_machine.travel("2027-03-10 12:00Z", tick=False):
        yield date(2027, 3, 10)


# Booleans, integers, dates


@pytest.mark.parametrize("dry_run", ["no", 0, 1, "false", "true", "0", None, [], {}])
def test_a_dry_run_that_is_not_json_true_or_false_runs_nothing(api, customer, dry_run, today):
    before = rows()
    response = api.post("/billing-runs", {"dry_run": dry_run})
    assert_invalid(response, "dry_run")
    assert rows() == before
    assert not BillingRun.objects.exists()


def test_a_real_dry_run_writes_no_invoice(api, customer, today):
    response = api.post("/billing-runs", {"dry_run": True})
    assert response.status_code == 201
    assert response.json()["dry_run"] is True
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("as_of", [20270310, "2027-3-10", "2027-03-10T00:00:00", "10/03/2027"])
def test_dates_are_yyyy_mm_dd_strings_only(api, customer, as_of, today):
    assert_invalid(api.post("/billing-runs", {"as_of": as_of, "dry_run": True}), "as_of")


@pytest.mark.parametrize("value", ["5", 5.5, True, "5.0"])
def test_whole_numbers_are_json_integers_only(api, business, value):
    response = api.patch("/settings", {"payment_terms_days": value})
    assert_invalid(response, "payment_terms_days")


@pytest.mark.parametrize("value", ["yes", "on", 1, "true"])
def test_booleans_are_json_true_or_false_only(api, customer, value):
    assert_invalid(api.patch(f"/customers/{customer.pk}", {"vat_applies": value}), "vat_applies")


def test_choices_are_the_documented_values_exactly(api, customer):
    assert_invalid(api.patch(f"/customers/{customer.pk}", {"status": "Active"}), "status")
    assert_invalid(api.patch(f"/customers/{customer.pk}", {"country": "gb"}), "country")


# Decimals that are not money go through the same strict parser


@pytest.mark.parametrize("rate", ["2_0", "2.1E+1", "1e1", "NaN", "Infinity", " 20", "20.00001"])
def test_a_loose_tax_rate_is_refused(api, business, rate):
    response = api.post("/tax-rates", {"country": "FR", "name": "TVA", "rate": rate})
    assert_invalid(response, "rate")


@pytest.mark.parametrize("rate", ["2_0", "2.1E+1", "１０"])
def test_the_tax_rate_service_parses_strictly(business, system, rate):
    with pytest.raises(InvalidInput, match="rate"):
        tax_rate_create(actor=system, country="FR", name="TVA", rate=rate)


@pytest.mark.parametrize("quantity", ["1e2", "1_0", "0x10", "١"])
def test_a_loose_line_quantity_is_refused(api, customer, quantity):
    line = {"description": "Work", "quantity": quantity, "unit_price": "10.00"}
    response = api.post("/invoices", {"customer_id": customer.pk, "lines": [line]})
    assert_invalid(response, "quantity")
    assert not Invoice.objects.exists()
    with pytest.raises(InvalidInput, match="quantity"):
        line_specs_parse([line], "GBP")


def test_parse_decimal_takes_plain_decimals_within_its_places():
    from decimal import Decimal

    assert parse_decimal("8.875", field="rate", places=4) == Decimal("8.875")
    assert parse_decimal(3, field="quantity", places=0) == Decimal(3)
    with pytest.raises(InvalidInput, match="at most 2 decimal places"):
        parse_decimal("1.005", field="quantity", places=2)
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        parse_decimal("101", field="rate", places=4, minimum=Decimal(0), maximum=Decimal(100))
    with pytest.raises(InvalidInput, match="decimal string"):
        parse_decimal(1.5, field="rate", places=4)


# PATCH: null is refused, and documented so


def test_patch_refuses_null_and_the_schema_says_so(api, client, customer):
    assert_invalid(api.patch(f"/customers/{customer.pk}", {"name": None}), "name")
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    patches = [name for name in schemas if name.endswith("Patch")]
    assert len(patches) >= 6
    for name in patches:
        for field, prop in schemas[name]["properties"].items():
            assert "null" not in str(prop.get("anyOf", "")), (name, field)
            assert prop.get("type") != "null", (name, field)


# The OpenAPI document


@pytest.fixture
def openapi(client, db):
    return client.get("/api/v1/openapi.json").json()


def test_the_two_option_bodies_have_their_own_names(openapi):
    paths, schemas = openapi["paths"], openapi["components"]["schemas"]
    option = paths["/api/v1/options"]["post"]["requestBody"]["content"]["application/json"]
    assert option["schema"]["$ref"].endswith("/OptionIn")
    assert {"name", "kind", "prices"} <= set(schemas["OptionIn"]["properties"])
    items = schemas["SubscriptionIn"]["properties"]["options"]["items"]
    assert items["$ref"].endswith("/SubscriptionOptionIn")
    assert schemas["SubscriptionOptionIn"]["properties"]["quantity"]["minimum"] == 1


def test_every_operation_documents_its_errors_in_the_error_format(openapi):
    error = openapi["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "401" in answers, (method, path)
            if "{id}" in path:
                assert "404" in answers, (method, path)
            if "requestBody" in operation:
                assert {"400", "409", "422"} <= set(answers), (method, path)
            for code, answer in answers.items():
                if code.startswith("4"):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/Error"), (method, path, code)


def test_choices_formats_and_bounds_are_documented(openapi):
    schemas = openapi["components"]["schemas"]
    customer = schemas["CustomerIn"]["properties"]
    assert customer["status"]["enum"] == ["active", "pending", "suspended", "cancelled", "error"]
    assert "card" in customer["payment_method"]["enum"]
    assert "GB" in customer["country"]["enum"]
    assert "GBP" in customer["currency"]["enum"]
    assert "monthly" in schemas["PriceIn"]["properties"]["cycle"]["enum"]
    price = schemas["PriceIn"]["properties"]["price"]
    assert (price["type"], price["format"]) == ("string", "decimal")
    assert price["pattern"].startswith("^[0-9]")
    start = schemas["SubscriptionIn"]["properties"]["start_date"]
    assert start["format"] == "date"
    assert start["pattern"].startswith("^(19[0-9]{2}|2[0-9]{3})-")
    post = openapi["paths"]["/api/v1/customers"]["post"]
    key = next(p for p in post["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["minLength"] == 1
    assert "GET /customers/{id}" in post["responses"]["201"]["links"]


def test_every_bound_is_a_json_schema_keyword(client, db):
    # pydantic writes a bound it can't translate as "ge"/"le": tools ignore those keys, so the
    # document would accept what the server refuses.
    text = client.get("/api/v1/openapi.json").content.decode()
    for key in ('"ge":', '"le":', '"gt":', '"lt":', '"min_length":', '"max_length":'):
        assert key not in text, key


@pytest.mark.parametrize("rate", ["2_0", "2.1E+1", "1e1", "２０"])
def test_the_back_office_tax_rate_form_parses_strictly(staff_client, business, rate):
    from fairbill.catalog.models import TaxRate

    response = staff_client.post(
        "/settings/tax-rates/new/", {"country": "FR", "name": "TVA", "rate": rate}
    )
    assert response.status_code == 200
    assert "not a number" in " ".join(response.context["form"].errors["rate"])
    assert not TaxRate.objects.exists()


def test_the_back_office_tax_rate_form_takes_a_plain_rate(staff_client, business):
    from decimal import Decimal

    from fairbill.catalog.models import TaxRate

    response = staff_client.post(
        "/settings/tax-rates/new/", {"country": "FR", "name": "TVA", "rate": "8.875"}
    )
    assert response.status_code == 302
    assert TaxRate.objects.get().rate == Decimal("8.875")
