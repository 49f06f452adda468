"""Aggregates over money columns that are exact on every database.

SQLite stores decimals as floating point and sums them as floats: Django hands the sum back as
a Decimal of 15 significant digits, so 41.91 + 9.61 can come back as 9.61000000000001 or a
balance of zero as -1.8e-15. Every amount column has two decimal places, so a sum of amounts
is exact once rounded to the cent; on PostgreSQL (exact numeric) the rounding changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Sum

CENT = Decimal("0.01")


def _to_cents(value: Any, expression: Any, connection: Any) -> Decimal | None:
    if value is None:
        return None
    # + 0 turns the -0.00 that rounding a tiny negative residue gives into 0.00
    return Decimal(value).quantize(CENT) + 0


class MoneySum(Sum):
    """Sum of an amount column (two decimal places), rounded to the cent it is exact to."""

    def __init__(self, *expressions: Any, **extra: Any) -> None:
        extra.setdefault("output_field", DecimalField(max_digits=14, decimal_places=2))
        super().__init__(*expressions, **extra)

    @property
    def convert_value(self) -> Any:
        return _to_cents
