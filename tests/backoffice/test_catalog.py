"""Back office → packages, options and order forms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairbill.catalog.models import Option, OrderForm, Package, PackagePrice
from fairbill.catalog.services import option_create, package_create
from fairbill.core.models import Event
from tests.backoffice.conftest import form_errors, messages_of

PACKAGE = {"name": "Silver", "description": "", "active": "on", "sort_order": "0"}


def prices_of(package: Package) -> set[tuple[str, Decimal, Decimal]]:
    return {(p.cycle, p.price, p.setup_fee) for p in package.prices.all()}


# Packages


def test_package_list_shows_prices_per_cycle(staff_client, bronze):
    html = staff_client.get("/packages/").content.decode()
    assert "Bronze" in html
    assert "10.00 GBP" in html
    assert "100.00 GBP" in html
    assert "+ 5.00 setup" in html


def test_create_package_with_two_cycles(staff_client, business):
    # when staff fill in the monthly and annual rows and leave the others empty
    response = staff_client.post(
        "/packages/new/",
        {
            **PACKAGE,
            "price_monthly": "12.50",
            "setup_monthly": "5",
            "price_annually": "125.00",
            "setup_annually": "",
        },
    )
    # then the package exists with exactly those two prices
    assert response.status_code == 302
    package = Package.objects.get(name="Silver")
    assert prices_of(package) == {
        ("monthly", Decimal("12.50"), Decimal("5.00")),
        ("annually", Decimal("125.00"), Decimal("0.00")),
    }
    assert "Package Silver created." in messages_of(staff_client.get(response.url))


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("price_monthly", "-1.00", "Can't be negative."),
        ("price_monthly", "9.999", "GBP amounts have at most 2 decimal places."),
        ("price_monthly", "ten", "'ten' is not a number."),
        ("setup_monthly", "-5", "Can't be negative."),
        ("setup_quarterly", "5.00", "Give a price, or leave the setup fee empty."),
    ],
)
def test_create_package_refuses_a_bad_price_on_its_cell(
    staff_client, business, cell, value, message
):
    data = {**PACKAGE, "price_monthly": "10.00", cell: value}
    response = staff_client.post("/packages/new/", data)
    assert response.status_code == 200
    errors = form_errors(response)
    shown_on = "price_quarterly" if cell == "setup_quarterly" else cell
    assert errors[shown_on] == [message]
    assert not Package.objects.exists()
    assert not Event.objects.filter(action="package.created").exists()


def test_create_package_needs_at_least_one_price(staff_client, business):
    response = staff_client.post("/packages/new/", PACKAGE)
    assert response.status_code == 200
    assert "give at least one cycle's price" in " ".join(form_errors(response)["__all__"])
    assert not Package.objects.exists()


def test_create_package_needs_a_name(staff_client, business):
    response = staff_client.post("/packages/new/", {**PACKAGE, "name": "", "price_monthly": "1"})
    assert form_errors(response)["name"] == ["This field is required."]
    assert not Package.objects.exists()


def test_create_package_refuses_a_duplicate_name(staff_client, bronze):
    response = staff_client.post(
        "/packages/new/", {**PACKAGE, "name": "bronze", "price_monthly": "1.00"}
    )
    assert response.status_code == 200
    assert form_errors(response)["name"] == ["There is already a package called 'bronze'."]
    assert Package.objects.count() == 1


def test_edit_package_replaces_its_prices(staff_client, bronze):
    # given the edit form shows the current prices
    form = staff_client.get(f"/packages/{bronze.pk}/edit/").context["form"]
    assert Decimal(form["price_monthly"].value()) == Decimal("10.00")
    # when staff drop the annual price and add a quarterly one
    response = staff_client.post(
        f"/packages/{bronze.pk}/edit/",
        {**PACKAGE, "name": "Bronze", "price_monthly": "11.00", "price_quarterly": "30.00"},
    )
    assert response.status_code == 302
    assert prices_of(bronze) == {
        ("monthly", Decimal("11.00"), Decimal("0.00")),
        ("quarterly", Decimal("30.00"), Decimal("0.00")),
    }


def test_edit_package_keeps_prices_in_other_currencies(staff_client, business, system):
    package = package_create(
        actor=system,
        name="Gold",
        prices=[
            {"cycle": "monthly", "price": "20.00"},
            {"cycle": "monthly", "price": "23.00", "currency": "EUR"},
        ],
    )
    staff_client.post(
        f"/packages/{package.pk}/edit/", {**PACKAGE, "name": "Gold", "price_monthly": "21.00"}
    )
    assert {(p.currency, p.price) for p in package.prices.all()} == {
        ("GBP", Decimal("21.00")),
        ("EUR", Decimal("23.00")),
    }


def test_edit_package_with_a_bad_price_changes_nothing(staff_client, bronze):
    response = staff_client.post(
        f"/packages/{bronze.pk}/edit/", {**PACKAGE, "name": "Renamed", "price_monthly": "-3"}
    )
    assert response.status_code == 200
    bronze.refresh_from_db()
    assert bronze.name == "Bronze"
    assert PackagePrice.objects.filter(package=bronze).count() == 2


# Options

OPTION = {
    "name": "Extra storage",
    "kind": "quantity",
    "description": "",
    "unit": "GB",
    "max_quantity": "100",
    "active": "on",
    "choices": "",
}


def price_rows(*rows: dict[str, str], initial: int = 0) -> dict[str, str]:
    data = {"prices-TOTAL_FORMS": str(len(rows)), "prices-INITIAL_FORMS": str(initial)}
    for n, row in enumerate(rows):
        for key in ("choice", "cycle", "price", "setup_fee"):
            data[f"prices-{n}-{key}"] = row.get(key, "")
    return data


def test_create_quantity_option_for_a_package(staff_client, bronze):
    response = staff_client.post(
        "/packages/options/new/",
        {
            **OPTION,
            "packages": [bronze.pk],
            **price_rows(
                {"cycle": "monthly", "price": "1.50"},
                {"cycle": "annually", "price": "15.00"},
                {"cycle": "quarterly"},  # empty row: ignored
            ),
        },
    )
    assert response.status_code == 302
    option = Option.objects.get()
    assert list(option.packages.all()) == [bronze]
    assert {(p.cycle, p.price) for p in option.prices.all()} == {
        ("monthly", Decimal("1.50")),
        ("annually", Decimal("15.00")),
    }


def test_create_choice_option_prices_each_choice(staff_client, business):
    response = staff_client.post(
        "/packages/options/new/",
        {
            **OPTION,
            "name": "Support",
            "kind": "choice",
            "choices": "Standard\nPriority\n",
            **price_rows(
                {"choice": "Standard", "cycle": "monthly", "price": "0.00"},
                {"choice": "Priority", "cycle": "monthly", "price": "25.00"},
            ),
        },
    )
    assert response.status_code == 302
    option = Option.objects.get(name="Support")
    assert {(p.choice.name, p.price) for p in option.prices.select_related("choice")} == {
        ("Standard", Decimal("0.00")),
        ("Priority", Decimal("25.00")),
    }


def test_choice_option_with_one_choice_is_refused(staff_client, business):
    response = staff_client.post(
        "/packages/options/new/",
        {
            **OPTION,
            "kind": "choice",
            "choices": "Only",
            **price_rows({"choice": "Only", "cycle": "monthly", "price": "1.00"}),
        },
    )
    assert response.status_code == 200
    assert form_errors(response)["choices"] == ["A choice option needs at least two choices."]
    assert not Option.objects.exists()


def test_option_price_with_three_decimals_is_refused_on_its_row(staff_client, business):
    response = staff_client.post(
        "/packages/options/new/",
        {**OPTION, **price_rows({"cycle": "monthly", "price": "1.005"})},
    )
    assert response.status_code == 200
    assert response.context["prices"].errors[0]["price"] == [
        "GBP amounts have at most 2 decimal places."
    ]
    assert not Option.objects.exists()


def test_edit_option_changes_its_packages_and_prices(staff_client, bronze, system):
    option = option_create(
        actor=system, name="Backup", kind="checkbox", prices=[{"cycle": "monthly", "price": "2"}]
    )
    response = staff_client.get(f"/packages/options/{option.pk}/edit/")
    assert response.context["prices"].initial[0]["price"] == Decimal("2.00")
    response = staff_client.post(
        f"/packages/options/{option.pk}/edit/",
        {
            **OPTION,
            "name": "Daily backup",
            "kind": "checkbox",
            "unit": "",
            "packages": [bronze.pk],
            **price_rows({"cycle": "monthly", "price": "3.00"}, initial=1),
        },
    )
    assert response.status_code == 302
    option.refresh_from_db()
    assert option.name == "Daily backup"
    assert list(option.packages.all()) == [bronze]
    assert [(p.cycle, p.price) for p in option.prices.all()] == [("monthly", Decimal("3.00"))]


def test_option_list_shows_kind_packages_and_prices(staff_client, bronze, system):
    option_create(
        actor=system,
        name="Extra IP",
        kind="checkbox",
        package_ids=[bronze.pk],
        prices=[{"cycle": "monthly", "price": "4.00"}],
    )
    html = staff_client.get("/packages/options/").content.decode()
    assert "Extra IP" in html
    assert "Checkbox" in html
    assert "4.00 GBP" in html


# Order forms


def test_create_order_form_offering_a_package_for_chosen_cycles(staff_client, bronze):
    response = staff_client.post(
        "/packages/order-forms/new/",
        {
            "name": "Web hosting",
            "slug": "",
            "packages": [bronze.pk],
            "cycles": ["monthly", "annually"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    form = OrderForm.objects.get()
    assert (form.slug, form.cycles) == ("web-hosting", ["monthly", "annually"])
    assert list(form.packages.all()) == [bronze]
    html = staff_client.get("/packages/order-forms/").content.decode()
    assert "/order/web-hosting/" in html
    assert "Monthly, Annually" in html


def test_order_form_needs_a_package(staff_client, bronze):
    response = staff_client.post("/packages/order-forms/new/", {"name": "Empty"})
    assert form_errors(response)["packages"] == ["This field is required."]
    assert not OrderForm.objects.exists()


def test_order_form_slug_must_be_unique(staff_client, bronze):
    data = {"name": "Hosting", "slug": "hosting", "packages": [bronze.pk]}
    staff_client.post("/packages/order-forms/new/", data)
    response = staff_client.post("/packages/order-forms/new/", {**data, "name": "Other"})
    assert form_errors(response)["slug"] == ["Another order form uses 'hosting'."]
    assert OrderForm.objects.count() == 1


def test_edit_order_form(staff_client, bronze, system):
    staff_client.post(
        "/packages/order-forms/new/", {"name": "Hosting", "packages": [bronze.pk], "active": "on"}
    )
    form = OrderForm.objects.get()
    response = staff_client.post(
        f"/packages/order-forms/{form.pk}/edit/",
        {"name": "Hosting", "slug": "hosting", "packages": [bronze.pk], "cycles": ["monthly"]},
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert (form.active, form.cycles) == (False, ["monthly"])
