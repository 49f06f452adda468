"""GET/POST /tax-rates and GET/PATCH/DELETE /tax-rates/{id}."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairbill.catalog.models import TaxRate
from fairbill.catalog.services import tax_rate_create
from fairbill.core.models import Event
from tests.api.checks import assert_invalid


def test_create_a_tax_rate(api, business):
    # when creating a rate for a US state
    response = api.post(
        "/tax-rates", {"country": "US", "region": "NY", "name": "Sales tax", "rate": "8.875"}
    )
    # then it is stored exactly and returned with its id
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "country": "US",
        "region": "NY",
        "name": "Sales tax",
        "rate": "8.875",
    }
    assert TaxRate.objects.get(pk=body["id"]).rate == Decimal("8.875")


def test_list_tax_rates(api, gb_vat, system):
    # given two rates
    tax_rate_create(actor=system, country="FR", name="TVA", rate="20")
    # when listing them
    response = api.get("/tax-rates")
    # then both are there, ordered by country, with whole rates shown without decimals
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(r["country"], r["rate"]) for r in body["items"]] == [("FR", "20"), ("GB", "20")]


def test_get_one_tax_rate(api, gb_vat):
    response = api.get(f"/tax-rates/{gb_vat.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "VAT"


def test_patch_a_tax_rate(api, gb_vat):
    # when the rate changes
    response = api.patch(f"/tax-rates/{gb_vat.pk}", {"rate": "17.5"})
    # then it is saved and recorded
    assert response.status_code == 200
    assert response.json()["rate"] == "17.5"
    gb_vat.refresh_from_db()
    assert gb_vat.rate == Decimal("17.5")
    assert Event.objects.filter(action="tax_rate.updated", subject_id=gb_vat.pk).exists()


def test_delete_a_tax_rate(api, gb_vat):
    response = api.delete(f"/tax-rates/{gb_vat.pk}")
    assert response.status_code == 204
    assert not TaxRate.objects.exists()
    assert Event.objects.filter(action="tax_rate.deleted").exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tax-rates/999"),
        ("delete", "/tax-rates/999"),
        ("get", "/tax-rates/0"),
        ("get", "/tax-rates/99999999999999999999"),
    ],
)
def test_an_unknown_tax_rate_is_not_found(api, business, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_patching_an_unknown_tax_rate_is_not_found(api, business):
    response = api.patch("/tax-rates/999", {"rate": "5"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No tax rate with id 999.", "code": "not_found"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country": "XX", "name": "VAT", "rate": "20"}, "country"),
        ({"country": "FR", "name": "", "rate": "20"}, "name"),
        ({"country": "FR", "name": "   ", "rate": "20"}, "name"),
        ({"country": "FR", "name": "TVA", "rate": "-1"}, "rate"),
        ({"country": "FR", "name": "TVA", "rate": "101"}, "rate"),
        ({"country": "FR", "name": "TVA", "rate": "twenty"}, "rate"),
        ({"country": "FR", "name": "TVA", "rate": 20.5}, "rate"),
        ({"country": "FR", "name": "TVA", "rate": "5.12345"}, "rate"),
        ({"country": "FR", "name": "TVA", "rate": "1e999"}, "rate"),
        ({"country": "FR", "name": "TVA", "rate": "NaN"}, "rate"),
        ({"country": "FR", "name": "TVA"}, "rate"),
        ({"country": "FR", "name": "TVA" * 100, "rate": "20"}, "name"),
        ({"country": "GB", "name": "VAT", "rate": "20"}, "country"),  # GB exists already
    ],
)
def test_an_invalid_tax_rate_is_refused_and_nothing_is_written(api, gb_vat, body, field):
    events = Event.objects.count()
    response = api.post("/tax-rates", body)
    assert_invalid(response, field)
    assert TaxRate.objects.count() == 1
    assert Event.objects.count() == events


def test_an_invalid_patch_leaves_the_rate_unchanged(api, gb_vat):
    response = api.patch(f"/tax-rates/{gb_vat.pk}", {"name": "Sales tax", "rate": "150"})
    assert response.status_code == 422
    gb_vat.refresh_from_db()
    assert (gb_vat.name, gb_vat.rate) == ("VAT", Decimal("20"))
