"""GET/POST /options and GET/PATCH /options/{id}."""

from __future__ import annotations

import pytest

from fairbill.catalog.models import Option, OptionPrice
from fairbill.core.models import Event
from tests.api.checks import assert_invalid

MONTHLY = {"cycle": "monthly", "price": "2.00"}


def test_create_a_checkbox_option_for_a_package(api, bronze):
    # when creating an option offered with Bronze
    response = api.post(
        "/options",
        {"name": "Backups", "kind": "checkbox", "package_ids": [bronze.pk], "prices": [MONTHLY]},
    )
    # then it is stored with its package and price
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Backups"
    assert body["kind"] == "checkbox"
    assert body["package_ids"] == [bronze.pk]
    assert body["choices"] == []
    assert body["prices"] == [
        {
            "cycle": "monthly",
            "currency": "GBP",
            "price": "2.00",
            "setup_fee": "0.00",
            "choice": None,
        }
    ]
    assert list(bronze.options.all()) == [Option.objects.get(pk=body["id"])]


def test_create_a_quantity_option(api, business):
    response = api.post(
        "/options",
        {
            "name": "Disk",
            "kind": "quantity",
            "unit": "GB",
            "max_quantity": 500,
            "prices": [{"cycle": "monthly", "price": "0.10"}],
        },
    )
    assert response.status_code == 201
    assert (response.json()["unit"], response.json()["max_quantity"]) == ("GB", 500)


def test_create_a_choice_option_priced_per_choice(api, business):
    response = api.post(
        "/options",
        {
            "name": "Support",
            "kind": "choice",
            "choices": ["Standard", "Priority"],
            "prices": [
                {"cycle": "monthly", "price": "0", "choice": "Standard"},
                {"cycle": "monthly", "price": "15", "choice": "Priority"},
            ],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["choices"] == ["Standard", "Priority"]
    assert {p["choice"]: p["price"] for p in body["prices"]} == {
        "Standard": "0.00",
        "Priority": "15.00",
    }


def test_list_and_get_options(api, bronze):
    created = api.post("/options", {"name": "Backups", "prices": [MONTHLY]}).json()
    listed = api.get("/options").json()
    assert listed["count"] == 1
    assert listed["items"][0] == created
    assert api.get(f"/options/{created['id']}").json() == created


def test_patch_an_option(api, bronze):
    created = api.post("/options", {"name": "Backups", "prices": [MONTHLY]}).json()
    response = api.patch(
        f"/options/{created['id']}",
        {"name": "Daily backups", "package_ids": [bronze.pk], "active": False},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["package_ids"], body["active"]) == (
        "Daily backups",
        [bronze.pk],
        False,
    )
    assert body["prices"] == created["prices"]


def test_patch_prices_replaces_them(api, business):
    created = api.post("/options", {"name": "Backups", "prices": [MONTHLY]}).json()
    response = api.patch(
        f"/options/{created['id']}", {"prices": [{"cycle": "annually", "price": "20"}]}
    )
    assert [(p["cycle"], p["price"]) for p in response.json()["prices"]] == [("annually", "20.00")]


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_unknown_option_is_not_found(api, business, method):
    response = getattr(api, method)("/options/4242")
    assert response.status_code == 404
    assert response.json() == {"detail": "No option with id 4242.", "code": "not_found"}


def option(**changes):
    return {"name": "Monitoring", "prices": [MONTHLY], **changes}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (option(name=""), "name"),
        (option(name="x" * 101), "name"),
        (option(kind="slider"), "kind"),
        (option(package_ids=[999]), "packages"),
        (option(package_ids=[-1]), "package_ids"),
        (option(prices=[{"cycle": "monthly", "price": "-2"}]), "price"),
        (option(prices=[{"cycle": "monthly", "price": "two"}]), "price"),
        (option(prices=[{"cycle": "monthly", "price": 2.5}]), "price"),
        (option(prices=[{"cycle": "monthly", "price": "2.001"}]), "price"),
        (option(prices=[{"cycle": "monthly", "price": "1e13"}]), "price"),
        (option(max_quantity=-1), "max_quantity"),
        (option(max_quantity=10**20), "max_quantity"),
        (option(choices=["A", "B"]), "choices"),  # not a choice option
        (option(kind="choice", choices=["Only one"]), "choices"),
        (option(kind="choice", choices=["A", "a"]), "choices"),
        (
            option(
                kind="choice",
                choices=["A", "B"],
                prices=[{"cycle": "monthly", "price": "1", "choice": "C"}],
            ),
            "prices",
        ),
        (option(name="Backups"), "name"),  # taken by the fixture below
    ],
)
def test_an_invalid_option_is_refused_and_nothing_is_written(api, bronze, body, field):
    # given an existing option called Backups
    api.post("/options", option(name="Backups"))
    options, prices, events = (
        Option.objects.count(),
        OptionPrice.objects.count(),
        Event.objects.count(),
    )
    # when posting an invalid option
    response = api.post("/options", body)
    # then 422 names the field and nothing was written
    assert_invalid(response, field)
    assert Option.objects.count() == options
    assert OptionPrice.objects.count() == prices
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"package_ids": [999]}, "packages"),
        ({"prices": [{"cycle": "monthly", "price": "-1"}]}, "price"),
        ({"kind": "quantity"}, "kind"),  # the kind can't change
    ],
)
def test_an_invalid_option_patch_changes_nothing(api, bronze, body, field):
    created = api.post("/options", option(package_ids=[bronze.pk])).json()
    events = Event.objects.count()
    response = api.patch(f"/options/{created['id']}", body)
    assert_invalid(response, field)
    assert api.get(f"/options/{created['id']}").json() == created
    assert Event.objects.count() == events
