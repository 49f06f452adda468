"""Field types shared by the API's schemas: money and rates as decimal strings, ids, text.

Input: money and rates are strings ("12.50"); whole numbers are accepted too because they are
exact, JSON floats are refused (12.5 may not be the number the client meant). The services
then check the amount against its currency (sign, size, decimal places).
Output: amounts are strings with exactly the currency's decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from fairbill.core.clock import FIRST_DAY, LAST_DAY
from fairbill.core.money import quantize

# Largest id a BigAutoField can hold: bigger ids can't exist, so they are refused as input.
MAX_ID = 2**63 - 1
# Largest value of a PositiveIntegerField on every supported database.
MAX_INT = 2**31 - 1


def _decimal_string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PydanticCustomError(
            "decimal_string",
            'give a decimal string, e.g. "12.50" (JSON numbers with a fraction are not exact)',
        )
    if len(str(value)) > 40:
        raise PydanticCustomError("decimal_string", "the number is too long")
    return str(value).strip()


def _day_in_range(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_range",
            "give a date between {first} and {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("text", "text can't contain NUL characters")
    return value


Money = Annotated[
    str,
    BeforeValidator(_decimal_string),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["12.50"]}),
]
Rate = Annotated[
    str,
    BeforeValidator(_decimal_string),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["20"]}),
]
Text = Annotated[str, AfterValidator(_no_nul)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Day = Annotated[dt.date, AfterValidator(_day_in_range)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]


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


class Patch(Schema):
    """Base of PATCH bodies: fields left out don't change, unknown fields and null are refused
    (send "" to clear a text)."""

    model_config = {"extra": "forbid"}

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
