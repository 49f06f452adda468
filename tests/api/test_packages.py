"""GET/POST /packages and GET/PATCH /packages/{id}."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairbill.catalog.models import Package, PackagePrice
from fairbill.catalog.services import option_create
from fairbill.core.models import Event
from fairbill.core.services import settings_update
from tests.api.checks import assert_invalid

MONTHLY = {"cycle": "monthly", "price": "12.50", "setup_fee": "5"}


@pytest.fixture
def backups(business, system):
    return option_create(
        actor=system,
        name="Backups",
        kind="checkbox",
        prices=[{"cycle": "monthly", "price": Decimal("2.00")}],
    )


def test_create_a_package_with_prices(api, business):
    # when creating a package priced monthly and annually
    response = api.post(
        "/packages",
        {
            "name": "Silver",
            "description": "For growing sites",
            "prices": [MONTHLY, {"cycle": "annually", "price": "125"}],
        },
    )
    # then it is stored with exact amounts, shown as strings with the currency's decimals
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Silver"
    assert body["active"] is True
    assert body["option_ids"] == []
    assert sorted(body["prices"], key=lambda p: p["cycle"]) == [
        {"cycle": "annually", "currency": "GBP", "price": "125.00", "setup_fee": "0.00"},
        {"cycle": "monthly", "currency": "GBP", "price": "12.50", "setup_fee": "5.00"},
    ]
    price = PackagePrice.objects.get(package_id=body["id"], cycle="monthly")
    assert (price.price, price.setup_fee) == (Decimal("12.50"), Decimal("5.00"))
    assert Event.objects.filter(action="package.created", subject_id=body["id"]).exists()


def test_create_a_package_offering_options(api, backups):
    response = api.post(
        "/packages", {"name": "Gold", "prices": [MONTHLY], "option_ids": [backups.pk]}
    )
    assert response.status_code == 201
    assert response.json()["option_ids"] == [backups.pk]
    assert list(Package.objects.get(name="Gold").options.all()) == [backups]


def test_prices_in_a_currency_without_decimals_are_whole(api, business):
    response = api.post(
        "/packages",
        {"name": "Yen", "prices": [{"cycle": "monthly", "price": "1200", "currency": "JPY"}]},
    )
    assert response.status_code == 201
    assert response.json()["prices"] == [
        {"cycle": "monthly", "currency": "JPY", "price": "1200", "setup_fee": "0"}
    ]


def test_list_packages(api, bronze, system):
    response = api.get("/packages")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["name"] == "Bronze"
    assert {p["cycle"]: p["price"] for p in body["items"][0]["prices"]} == {
        "monthly": "10.00",
        "annually": "100.00",
    }


def test_get_one_package(api, bronze):
    response = api.get(f"/packages/{bronze.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == bronze.pk


@pytest.mark.parametrize("path", ["/packages/999", "/packages/99999999999999999999999"])
def test_an_unknown_package_is_not_found(api, business, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_patching_an_unknown_package_is_not_found(api, business):
    response = api.patch("/packages/999", {"name": "Nope"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No package with id 999.", "code": "not_found"}


def test_patch_renames_and_deactivates(api, bronze):
    response = api.patch(f"/packages/{bronze.pk}", {"name": "Bronze 2", "active": False})
    assert response.status_code == 200
    assert response.json()["name"] == "Bronze 2"
    assert response.json()["active"] is False
    # the prices were not sent, so they are kept
    assert len(response.json()["prices"]) == 2


def test_patch_with_prices_replaces_them(api, bronze):
    response = api.patch(
        f"/packages/{bronze.pk}", {"prices": [{"cycle": "quarterly", "price": "27"}]}
    )
    assert response.status_code == 200
    assert [(p["cycle"], p["price"]) for p in response.json()["prices"]] == [("quarterly", "27.00")]


def test_patch_with_option_ids_replaces_the_options(api, bronze, backups):
    response = api.patch(f"/packages/{bronze.pk}", {"option_ids": [backups.pk]})
    assert response.status_code == 200
    assert response.json()["option_ids"] == [backups.pk]
    response = api.patch(f"/packages/{bronze.pk}", {"option_ids": []})
    assert response.json()["option_ids"] == []


def price(**changes):
    return {"name": "Gold", "prices": [{**MONTHLY, **changes}]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "prices": [MONTHLY]}, "name"),
        ({"name": "   ", "prices": [MONTHLY]}, "name"),
        ({"name": "x" * 101, "prices": [MONTHLY]}, "name"),
        ({"name": "Gold\x00", "prices": [MONTHLY]}, "name"),
        ({"prices": [MONTHLY]}, "name"),
        ({"name": "Gold"}, "prices"),
        ({"name": "Gold", "prices": []}, "prices"),
        (price(price="-1.00"), "price"),
        (price(price="twelve"), "price"),
        (price(price=12.5), "price"),
        (price(price="12.505"), "price"),
        (price(price="1e400"), "price"),
        (price(price="Infinity"), "price"),
        (price(price="9" * 30), "price"),
        (price(price="1" + "0" * 13), "price"),
        (price(price=None), "price"),
        (price(setup_fee="-5"), "setup fee"),
        (price(setup_fee=0.1), "setup_fee"),
        (price(cycle="weekly"), "cycle"),
        (price(currency="XYZ"), "currency"),
        (price(currency="JPY", price="12.50"), "price"),
        ({"name": "Gold", "prices": [MONTHLY, MONTHLY]}, "prices"),
        ({"name": "Bronze", "prices": [MONTHLY]}, "name"),  # taken
        ({"name": "bronze", "prices": [MONTHLY]}, "name"),  # taken, another case
        ({"name": "Gold", "prices": [MONTHLY], "option_ids": [999]}, "option_ids"),
        ({"name": "Gold", "prices": [MONTHLY], "option_ids": [10**30]}, "option_ids"),
        ({"name": "Gold", "prices": [MONTHLY], "option_ids": ["x"]}, "option_ids"),
        ({"name": "Gold", "prices": [MONTHLY], "sort_order": 10**12}, "sort_order"),
        ({"name": "Gold", "prices": [MONTHLY], "colour": "gold"}, "colour"),
    ],
)
def test_an_invalid_package_is_refused_and_nothing_is_written(api, bronze, body, field):
    # given one package
    events = Event.objects.count()
    prices = PackagePrice.objects.count()
    # when posting an invalid one
    response = api.post("/packages", body)
    # then 422 names the field, and nothing was written
    assert_invalid(response, field)
    assert Package.objects.count() == 1
    assert PackagePrice.objects.count() == prices
    assert Event.objects.count() == events


def test_a_json_float_price_gets_a_clear_message(api, business):
    response = api.post("/packages", price(price=12.5))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        'prices.0.price: give a decimal string, e.g. "12.50" (JSON numbers are not exact)'
    )


def test_more_decimals_than_the_currency_allows_is_refused(api, business):
    response = api.post("/packages", price(price="12.505"))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "prices.0.price: '12.505' is not an amount: digits 0-9, at most 2 decimal places"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "Silver", "prices": [{"cycle": "monthly", "price": "-1"}]}, "price"),
        ({"name": "Silver", "prices": []}, "prices"),
        ({"option_ids": [999]}, "option_ids"),
        ({"active": "sometimes"}, "active"),
    ],
)
def test_an_invalid_patch_changes_nothing(api, bronze, system, body, field):
    # given a second package and the first one's state
    before = api.get(f"/packages/{bronze.pk}").json()
    events = Event.objects.count()
    # when an invalid change is sent
    response = api.patch(f"/packages/{bronze.pk}", body)
    # then it is refused and the package is as it was
    assert_invalid(response, field)
    assert api.get(f"/packages/{bronze.pk}").json() == before
    assert Event.objects.count() == events


def test_renaming_to_a_taken_name_is_refused(api, bronze, system):
    # given another package called Silver
    api.post("/packages", {"name": "Silver", "prices": [MONTHLY]})
    # when Bronze is renamed Silver
    response = api.patch(f"/packages/{bronze.pk}", {"name": "Silver"})
    # then it is refused
    assert_invalid(response, "name")
    bronze.refresh_from_db()
    assert bronze.name == "Bronze"


def test_prices_default_to_the_business_currency(api, business, system):
    settings_update(actor=system, currency="EUR")
    response = api.post("/packages", price())
    assert response.json()["prices"][0]["currency"] == "EUR"
