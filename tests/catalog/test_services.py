from decimal import Decimal

import pytest

from fairbill.catalog.models import Option, OptionPrice, OrderForm, Package, PackagePrice, TaxRate
from fairbill.catalog.services import (
    option_create,
    option_update,
    order_form_create,
    package_create,
    package_update,
    tax_rate_create,
    tax_rate_delete,
    tax_rate_update,
)
from fairbill.core.errors import InvalidInput, NotFound
from fairbill.core.models import Event

TWO_CYCLES = [
    {"cycle": "monthly", "price": "10.00", "setup_fee": "5.00"},
    {"cycle": "annually", "price": "100"},
]


def test_package_with_two_cycles_in_the_business_currency(business, admin):
    package = package_create(actor=admin, name=" Silver ", prices=TWO_CYCLES)
    assert package.name == "Silver"
    prices = {p.cycle: (p.price, p.setup_fee, p.currency) for p in package.prices.all()}
    assert prices == {
        "monthly": (Decimal("10.00"), Decimal("5.00"), "GBP"),
        "annually": (Decimal("100.00"), Decimal("0.00"), "GBP"),
    }
    assert Event.objects.filter(action="package.created", subject_id=package.pk).exists()


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ([], "at least one"),
        ([{"cycle": "weekly", "price": "1"}], "cycle 'weekly'"),
        ([{"cycle": "monthly", "price": "-1"}], "negative"),
        ([{"cycle": "monthly", "price": "abc"}], "not a number"),
        ([{"cycle": "monthly", "price": "1.005"}], "2 decimal places"),
        ([{"cycle": "monthly", "price": 9.99}], "decimal string"),
        ([{"cycle": "monthly", "price": "100000000000000000000"}], "too large"),
        ([{"cycle": "monthly", "price": "1e20"}], "not a number"),
        ([{"cycle": "monthly"}], "give a price"),
        ([{"cycle": "monthly", "price": "1"}, {"cycle": "monthly", "price": "2"}], "priced twice"),
        ([{"cycle": "monthly", "price": "1", "currency": "XYZ"}], "currency"),
    ],
)
def test_bad_prices_are_refused_and_nothing_written(business, admin, prices, message):
    with pytest.raises(InvalidInput, match=message):
        package_create(actor=admin, name="Silver", prices=prices)
    assert not Package.objects.exists()
    assert not PackagePrice.objects.exists()


def test_package_names_are_unique_whatever_the_case(business, admin):
    package_create(actor=admin, name="Gold", prices=TWO_CYCLES)
    with pytest.raises(InvalidInput, match="already a package called"):
        package_create(actor=admin, name="gold", prices=TWO_CYCLES)
    with pytest.raises(InvalidInput, match="give the package a name"):
        package_create(actor=admin, name="  ", prices=TWO_CYCLES)


def test_update_replaces_prices(business, admin):
    package = package_create(actor=admin, name="Silver", prices=TWO_CYCLES)
    package_update(actor=admin, package=package, prices=[{"cycle": "quarterly", "price": "27"}])
    assert list(package.prices.values_list("cycle", flat=True)) == ["quarterly"]


def test_choice_option_prices_each_choice(business, admin, bronze):
    option = option_create(
        actor=admin,
        name="Backups",
        kind="choice",
        package_ids=[bronze.pk],
        choices=["Daily", "Hourly"],
        prices=[
            {"cycle": "monthly", "price": "5", "choice": "Daily"},
            {"cycle": "monthly", "price": "12", "choice": "Hourly"},
        ],
    )
    assert {(p.choice.name, p.price) for p in option.prices.all()} == {
        ("Daily", Decimal("5.00")),
        ("Hourly", Decimal("12.00")),
    }
    assert list(option.packages.all()) == [bronze]


def test_choice_option_needs_two_choices_and_known_choice_prices(business, admin):
    with pytest.raises(InvalidInput, match="at least two choices"):
        option_create(
            actor=admin,
            name="Backups",
            kind="choice",
            choices=["Daily"],
            prices=[{"cycle": "monthly", "price": "5", "choice": "Daily"}],
        )
    with pytest.raises(InvalidInput, match="unknown choice"):
        option_create(
            actor=admin,
            name="Backups",
            kind="choice",
            choices=["Daily", "Hourly"],
            prices=[{"cycle": "monthly", "price": "5", "choice": "Weekly"}],
        )
    assert not Option.objects.exists()
    assert not OptionPrice.objects.exists()


def test_option_for_an_unknown_package_is_refused(business, admin):
    with pytest.raises(NotFound, match="No package with id 999"):
        option_create(
            actor=admin,
            name="Storage",
            kind="quantity",
            package_ids=[999],
            prices=[{"cycle": "monthly", "price": "1"}],
        )
    assert not Option.objects.exists()


def test_option_update_keeps_choices_when_only_prices_change(business, admin):
    option = option_create(
        actor=admin,
        name="Backups",
        kind="choice",
        choices=["A", "B"],
        prices=[{"cycle": "monthly", "price": "1", "choice": "A"}],
    )
    option_update(
        actor=admin, option=option, prices=[{"cycle": "monthly", "price": "2", "choice": "B"}]
    )
    assert [c.name for c in option.choices.all()] == ["A", "B"]
    assert [(p.choice.name, p.price) for p in option.prices.all()] == [("B", Decimal("2.00"))]


def test_tax_rates_by_country_and_region(business, admin):
    rate = tax_rate_create(actor=admin, country="us", region=" NY ", name="Sales tax", rate="8.875")
    assert (str(rate.country.code), rate.region, rate.rate) == ("US", "NY", Decimal("8.875"))
    with pytest.raises(InvalidInput, match="(?i)already a tax rate for US NY"):
        tax_rate_create(actor=admin, country="US", region="ny", name="Sales tax", rate="4")
    for bad, message in [
        ("101", "between 0 and 100"),
        ("-1", "between 0 and 100"),
        ("x", "not a number"),
        ("1.23456", "4 decimal places"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            tax_rate_update(actor=admin, tax_rate=rate, rate=bad)
    with pytest.raises(InvalidInput, match="country"):
        tax_rate_create(actor=admin, country="XX", name="VAT", rate="20")
    tax_rate_delete(actor=admin, tax_rate=rate)
    assert not TaxRate.objects.exists()
    assert Event.objects.filter(action="tax_rate.deleted").exists()


def test_order_form_offers_packages_and_options(business, admin, bronze):
    form = order_form_create(
        actor=admin, name="Web Hosting", package_ids=[bronze.pk], cycles=["monthly"]
    )
    assert form.slug == "web-hosting"
    assert list(form.packages.all()) == [bronze]
    with pytest.raises(InvalidInput, match="another order form uses"):
        order_form_create(actor=admin, name="Web Hosting", package_ids=[bronze.pk])
    with pytest.raises(InvalidInput, match="at least one package"):
        order_form_create(actor=admin, name="Empty", package_ids=[])
    with pytest.raises(InvalidInput, match="unknown cycle"):
        order_form_create(actor=admin, name="Odd", package_ids=[bronze.pk], cycles=["weekly"])
    assert OrderForm.objects.count() == 1


def test_duplicate_option_message_reads_well(business, admin):
    option_create(
        actor=admin, name="Storage", kind="quantity", prices=[{"cycle": "monthly", "price": "1"}]
    )
    with pytest.raises(InvalidInput, match="there is already an option called 'storage'"):
        option_create(
            actor=admin,
            name="storage",
            kind="quantity",
            prices=[{"cycle": "monthly", "price": "1"}],
        )


def test_an_option_allows_at_least_one(business, admin):
    with pytest.raises(InvalidInput, match="max quantity: at least 1"):
        option_create(
            actor=admin,
            name="Storage",
            kind="quantity",
            max_quantity=0,
            prices=[{"cycle": "monthly", "price": "1"}],
        )
    assert not Option.objects.exists()
