from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairbill.core.errors import InvalidInput
from fairbill.core.money import format_money, minor_unit, parse_amount, quantize

CURRENCIES = ["GBP", "EUR", "USD", "JPY", "BHD"]
amounts = st.decimals(
    min_value=Decimal("-1e12"),
    max_value=Decimal("1e12"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)


@given(amounts, st.sampled_from(CURRENCIES))
def test_quantize_is_idempotent(amount, currency):
    once = quantize(amount, currency)
    assert quantize(once, currency) == once


@given(amounts, st.sampled_from(CURRENCIES))
def test_quantize_is_within_half_a_minor_unit(amount, currency):
    assert abs(quantize(amount, currency) - amount) <= minor_unit(currency) / 2


@given(amounts, st.sampled_from(CURRENCIES))
def test_quantize_has_the_currency_exponent(amount, currency):
    assert (
        quantize(amount, currency).as_tuple().exponent == minor_unit(currency).as_tuple().exponent
    )


def test_halves_round_away_from_zero():
    assert quantize(Decimal("2.675"), "GBP") == Decimal("2.68")
    assert quantize(Decimal("-2.675"), "GBP") == Decimal("-2.68")
    assert quantize(Decimal("0.125"), "GBP") == Decimal("0.13")
    assert quantize(Decimal("2.5"), "JPY") == Decimal("3")


def test_minor_units_follow_the_currency():
    assert minor_unit("GBP") == Decimal("0.01")
    assert minor_unit("JPY") == Decimal("1")
    assert minor_unit("BHD") == Decimal("0.001")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        quantize(10.15, "GBP")
    with pytest.raises(InvalidInput, match="decimal string"):
        parse_amount(10.15, "GBP")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "not a number"),
        ("-1", "negative"),
        ("1.234", "2 decimal places"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("10000000000000", "too large"),
        ("1e2", "not a number"),
        ("1_000", "not a number"),
    ],
)
def test_parse_amount_refuses_bad_input(value, message):
    with pytest.raises(InvalidInput, match=message):
        parse_amount(value, "GBP")


def test_parse_amount_accepts_exact_amounts():
    assert parse_amount("12.5", "GBP") == Decimal("12.50")
    assert parse_amount(" 1000 ", "JPY") == Decimal("1000")


def test_format_money_is_locale_correct():
    assert format_money(Decimal("1234.5"), "GBP") == "£1,234.50"
    assert format_money(Decimal("1234.5"), "EUR", locale="de_DE") == "1.234,50\xa0€"


def test_currencies_finer_than_stored_amounts_are_refused_with_the_reason():
    from fairbill.core.money import currency_check

    assert currency_check("JPY") == "JPY"
    with pytest.raises(InvalidInput, match="BHD amounts have 3 decimal places"):
        currency_check("BHD")
    with pytest.raises(InvalidInput, match="not an ISO 4217 currency code"):
        currency_check("ABC")
