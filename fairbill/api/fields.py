"""Field types shared by the API's schemas: money and rates as decimal strings, ids, text,
choices, and the base classes of request bodies.

Input is strict, so that a typo is a 422 and never a guess (above all where money moves):
booleans are JSON true/false, whole numbers JSON integers, dates "YYYY-MM-DD" strings, money,
rates and quantities decimal strings of ASCII digits ("12.50"; no JSON numbers, exponents,
underscores or other scripts' digits), choices one of the documented values, and text valid
Unicode without NUL characters. The services then check the amount against its currency.
Output: amounts are strings with exactly the currency's decimals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Annotated, Any

from django_countries import countries
from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from fairbill.core.clock import FIRST_DAY, LAST_DAY
from fairbill.core.money import billable_currencies, quantize

# Largest id a BigAutoField can hold: bigger ids can't exist, so they are refused as input.
MAX_ID = 2**63 - 1
# Largest value of a PositiveIntegerField on every supported database.
MAX_INT = 2**31 - 1

# Decimal strings, as a JSON Schema pattern and as the check that enforces it.
AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
SIGNED_AMOUNT = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
PERCENT = r"^(100(\.0{1,4})?|[0-9]{1,2}(\.[0-9]{1,4})?)$"
# More than 0, at most 1,000,000, at most 4 decimal places.
QUANTITY = (
    r"^(1000000(\.0{1,4})?|[1-9][0-9]{0,5}(\.[0-9]{1,4})?"
    r"|0\.(000[1-9]|00[1-9][0-9]?|0[1-9][0-9]{0,2}|[1-9][0-9]{0,3}))$"
)
# Years 1900-2999 (clock.FIRST_DAY..LAST_DAY); `format: date` rules out 30 February.
DATE = r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _filled_text(value: str) -> str:
    if not re.fullmatch(FILLED, _plain_text(value)):
        raise PydanticCustomError("blank", "give some text, not only spaces")
    return value


class DecimalString:
    """Annotated metadata: a decimal string matching `pattern` (ASCII digits only), and
    documented so: `Annotated[str, DecimalString(AMOUNT, "12.50")]`."""

    def __init__(self, pattern: str, example: str, rule: str):
        self.pattern, self.example, self.rule = pattern, example, rule
        self.compiled = re.compile(pattern)

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "decimal_string",
                'give a decimal string, e.g. "{example}" (JSON numbers are not exact)',
                {"example": self.example},
            )
        if not self.compiled.fullmatch(value):
            raise PydanticCustomError(
                "decimal_string",
                "'{value}' is not {rule}",
                {"value": value[:40], "rule": self.rule},
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {
            "type": "string",
            "format": "decimal",
            "pattern": self.pattern,
            "examples": [self.example],
        }


class OneOf:
    """Annotated metadata: a string that must be one of `values` (or "" when `blank`),
    documented as an enum: `Annotated[str, OneOf(Cycle.values)]`."""

    def __init__(self, values: Iterable[str], *, blank: bool = False):
        self.allowed = ([""] if blank else []) + list(values)
        self.known = frozenset(self.allowed)

    def check(self, value: str) -> str:
        if value not in self.known:
            shown = ", ".join(self.allowed) if len(self.allowed) <= 12 else "the listed values"
            raise PydanticCustomError(
                "enum", "'{value}' is not one of {allowed}", {"value": value, "allowed": shown}
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.allowed)}


def whole_number(value: Any) -> Any:
    """JSON integers only: not "5", not true; 5.0 is the integer 5 in JSON (and JSON Schema)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**63:
        return int(value)
    return value  # the strict int check refuses the rest


def _day(value: Any) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("date", 'give a date as a "YYYY-MM-DD" string')
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date", "'{value}' is not a date", {"value": value}) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(
            "date_range",
            "give a date between {first} and {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return day


def valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unencodable(value: Any, where: str = "") -> str | None:
    """The path of the first text in `value` (nested lists and dicts, keys included) that is
    not valid Unicode, e.g. a lone surrogate "\\ud800" from a JSON escape; None if all is."""
    if isinstance(value, str):
        return (where or "text") if not valid_unicode(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unencodable(key, where) or unencodable(item, f"{where}.{key}".strip("."))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = unencodable(item, f"{where}.{index}".strip("."))
            if found:
                return found
    return None


def _plain_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("text", "text can't contain NUL characters")
    if not valid_unicode(value):
        raise PydanticCustomError(
            "text", "text must be valid Unicode (a lone surrogate such as \\ud800 is not)"
        )
    return value


@cache
def country_codes() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes, as django-countries knows them."""
    return tuple(sorted(code for code, _ in countries))


Money = Annotated[
    str, DecimalString(AMOUNT, "12.50", "an amount: digits 0-9, at most 2 decimal places")
]
SignedMoney = Annotated[
    str,
    DecimalString(
        SIGNED_AMOUNT, "-12.50", "an amount: an optional -, digits 0-9, at most 2 decimal places"
    ),
]
Rate = Annotated[
    str, DecimalString(PERCENT, "20", "a percentage from 0 to 100, at most 4 decimal places")
]
HourlyRate = Annotated[
    str,
    DecimalString(
        r"^[0-9]{1,12}(\.[0-9]{1,4})?$", "85.00", "a rate: digits 0-9, at most 4 decimal places"
    ),
]
Quantity = Annotated[
    str,
    DecimalString(
        QUANTITY, "1.5", "a quantity more than 0 and at most 1000000, at most 4 decimal places"
    ),
]
NO_NUL = "^[^\\x00]*$"
# "Not blank" means the same in Python and in JSON Schema's (ECMAScript) regex: Python's \s
# also takes \x1c-\x1f and \x85, ECMAScript's also \ufeff, so all of them count as blank.
FILLED = "^[^\\x00]*[^\\s\\x00\\x1c-\\x1f\\x85\\ufeff][^\\x00]*$"
Text = Annotated[str, AfterValidator(_plain_text), Field(json_schema_extra={"pattern": NO_NUL})]
# Text that must not be blank: a name, a reason.
Filled = Annotated[str, AfterValidator(_filled_text), Field(json_schema_extra={"pattern": FILLED})]
WholeNumber = Annotated[int, BeforeValidator(whole_number)]
# The bounds come before the validator, so that the document shows them as minimum/maximum.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(whole_number)]
Day = Annotated[
    dt.date,
    BeforeValidator(_day),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DATE,
            "description": f"YYYY-MM-DD, between {FIRST_DAY} and {LAST_DAY}",
        }
    ),
]
Count = Annotated[int, Field(ge=0, le=MAX_INT), BeforeValidator(whole_number)]
Country = Annotated[str, OneOf(country_codes())]
Currency = Annotated[str, OneOf(billable_currencies())]
# A currency Fairbill bills in, or "" for the business currency.
CurrencyOrDefault = Annotated[str, OneOf(billable_currencies(), blank=True)]


def money_out(amount: Decimal, currency: str) -> str:
    """An amount as a string with exactly the currency's decimals: "12.50", "1200" (JPY)."""
    return str(quantize(amount, currency))


def money_resolver(field: str, currency: str = "currency") -> Any:
    """A schema resolver giving `field` as money_out does, in the currency found at the dotted
    path `currency`: `resolve_total = money_resolver("total")`."""
    amount_of, currency_of = attrgetter(field), attrgetter(currency)

    def resolve(obj: Any) -> str:
        return money_out(amount_of(obj), currency_of(obj))

    return staticmethod(resolve)


def rate_out(rate: Decimal) -> str:
    """A percentage without trailing zeros: "20", "7.5"."""
    text = format(rate, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class Body(Schema):
    """Base of request bodies: unknown fields are refused, types are strict (no "no" for
    false, no "5" for 5), and text anywhere in the body must be valid Unicode."""

    model_config = {"extra": "forbid", "strict": True}

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        where = unencodable(data)
        if where:
            raise PydanticCustomError(
                "text",
                "{field}: text must be valid Unicode (a lone surrogate such as \\ud800 is not)",
                {"field": where},
            )
        return data


def _not_nullable(schema: dict[str, Any]) -> None:
    """A PATCH field may be left out, but null is not a value: document it as such."""
    for prop in schema.get("properties", {}).values():
        options = prop.pop("anyOf", None)
        if options is not None:
            kept = [option for option in options if option.get("type") != "null"]
            if len(kept) == 1:
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
        if prop.get("default", 0) is None:
            del prop["default"]


class Patch(Body):
    """Base of PATCH bodies: fields left out don't change, unknown fields and null are refused
    (send "" to clear a text)."""

    model_config = {"extra": "forbid", "strict": True, "json_schema_extra": _not_nullable}

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None:
                    raise PydanticCustomError(
                        "null",
                        "{field}: null is not a value; leave the field out to keep it",
                        {"field": name},
                    )
        return data
