"""Money: the one place that rounds and formats amounts.

Every amount is a Decimal quantized to its currency's minor unit with ROUND_HALF_UP.
Nothing else in Fairbill calls Decimal.quantize on money.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache, lru_cache

from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision, list_currencies

from fairbill.core.errors import InvalidInput

ZERO = Decimal("0")
# ASCII digits only: "\d" would also take "١٢" or "５", which nobody types as an amount.
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
# Largest amount a DecimalField(max_digits=14, decimal_places=2) can hold.
MAX_AMOUNT = Decimal("999999999999.99")
# Amounts are stored with 2 decimal places: a currency with a finer minor unit (BHD, KWD,
# OMR... have 3) would be rounded a second time by the database, so it is not accepted.
STORED_PLACES = 2


@cache
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of a currency: Decimal('0.01') for GBP, Decimal('1') for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round an amount to the currency's minor unit, halves away from zero."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def quantize_exact(value: Fraction, currency: str) -> Decimal:
    """Round an exact fraction (e.g. a prorated amount) to the currency's minor unit, halves
    away from zero: the same rule as quantize, with no intermediate rounding."""
    unit = minor_unit(currency)
    scaled = abs(value) / Fraction(unit)
    units = math.floor(scaled + Fraction(1, 2))
    result = Decimal(units) * unit
    return quantize(-result if value < 0 else result, currency)


def billable_currencies() -> tuple[str, ...]:
    """The ISO 4217 codes Fairbill can bill in, sorted."""
    return tuple(sorted(_currencies()))


def is_currency(code: str) -> bool:
    """An ISO 4217 code Fairbill can bill in (its minor unit fits the stored amounts)."""
    return code in _currencies()


# ISO 4217 codes that are not money one bills in: testing, "no currency", precious metals,
# IMF and bond-market units.
NOT_MONEY = frozenset(
    {"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"}
)


def currency_check(code: str, *, label: str = "currency", field: str = "currency") -> str:
    """The code if Fairbill can bill in it, else InvalidInput saying why."""
    if code not in frozenset(list_currencies()) or code in NOT_MONEY:
        raise InvalidInput(f"{label}: '{code}' is not an ISO 4217 currency code.", field)
    if not is_currency(code):
        raise InvalidInput(
            f"{label}: {code} amounts have {get_currency_precision(code)} decimal places; "
            f"Fairbill keeps amounts to {STORED_PLACES}.",
            field,
        )
    return code


@lru_cache(maxsize=1)
def active_currencies() -> tuple[str, ...]:
    """The currencies to offer for new records: ISO 4217 codes legal tender somewhere today
    (Babel's CLDR territory data: no end date), that Fairbill can bill in, sorted.

    Obsolete ones (SUR, DEM, ...) are left out; records already in one keep it and still
    display."""
    in_use = {
        code
        for currencies in get_global("territory_currencies").values()
        for code, _start, end, tender in currencies
        if end is None and tender
    }
    return tuple(sorted(in_use & _currencies()))


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(
        code
        for code in list_currencies()
        if get_currency_precision(code) <= STORED_PLACES and code not in NOT_MONEY
    )


def parse_amount(
    value: object,
    currency: str,
    *,
    field: str = "amount",
    allow_negative: bool = False,
    allow_zero: bool = True,
) -> Decimal:
    """Turn user input into an exact amount, or raise InvalidInput with a clear message.

    Refuses floats (they are not exact), non-numbers, NaN/infinity, negatives (unless allowed),
    amounts too large to store, and more decimals than the currency has.
    """
    if isinstance(value, float | bool):
        raise InvalidInput(f'{field}: give the amount as a decimal string, e.g. "12.50".', field)
    if isinstance(value, str) and not PLAIN_NUMBER.fullmatch(value.strip()):
        # Decimal() would also take "1_000", "1e2" or "NaN": a person means none of them.
        raise InvalidInput(f"{field}: '{value}' is not a number.", field)
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field}: '{value}' is not a number.", field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field}: '{value}' is not a number.", field)
    if amount < 0 and not allow_negative:
        raise InvalidInput(f"{field} can't be negative.", field)
    if amount == 0 and not allow_zero:
        raise InvalidInput(f"{field} must be more than zero.", field)
    if abs(amount) > MAX_AMOUNT:
        raise InvalidInput(f"{field} is too large (at most {MAX_AMOUNT}).", field)
    if quantize(amount, currency) != amount:
        places = get_currency_precision(currency)
        raise InvalidInput(
            f"{field}: {currency} amounts have at most {places} decimal places.", field
        )
    return quantize(amount, currency)


def parse_decimal(
    value: object,
    *,
    field: str,
    places: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    label: str | None = None,
) -> Decimal:
    """Turn user input that is not money (a tax rate, a quantity, hours) into an exact Decimal
    with at most `places` decimal places, within [minimum, maximum] when given.

    The same syntax as parse_amount: ASCII digits, an optional sign and point; no floats,
    exponents ("1e2"), underscores ("2_0"), NaN or infinity.
    """
    label = label or field.replace("_", " ")
    if isinstance(value, float | bool):
        raise InvalidInput(f'{label}: give a decimal string, e.g. "2.5".', field)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str | int) and PLAIN_NUMBER.fullmatch(str(value).strip()):
        number = Decimal(str(value).strip())
    else:
        raise InvalidInput(f"{label}: '{value}' is not a number.", field)
    if not number.is_finite():
        raise InvalidInput(f"{label}: '{value}' is not a number.", field)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise InvalidInput(f"{label}: give a number between {minimum} and {maximum}.", field)
    try:
        exact = number == number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than a Decimal context holds
        exact = False
    if not exact:
        raise InvalidInput(f"{label}: at most {places} decimal places.", field)
    return number


def format_money(amount: Decimal, currency: str, locale: str = "en_GB") -> str:
    """Locale-correct display, e.g. £1,234.50 or 1.234,50 €."""
    if not amount.is_finite():
        return format_currency(amount, currency, locale=locale)
    # Equal amounts display alike (the currency's digits decide the decimals); zero is
    # always 0, never -0.
    return _formatted(amount if amount else Decimal(0), currency, locale)


@lru_cache(maxsize=4096)
def _formatted(amount: Decimal, currency: str, locale: str) -> str:
    # Remembered: a page shows the same prices again and again, and Babel takes tens of
    # microseconds a call (a tenth of a long page's time).
    return format_currency(amount, currency, locale=locale)
