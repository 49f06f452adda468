"""The daily totals (core.models.DailyTotal): what the money services add to them, and how.

The apps that own the numbers (invoicing for invoices, payments for payments, credit notes)
work out what an operation changes and call `daily_totals_add` in the operation's own
transaction: the totals are never ahead of or behind the rows they sum. Each change is an
`INSERT … ON CONFLICT DO UPDATE SET x = x + delta` (the same statement on SQLite and
PostgreSQL): two transactions adding to the same day both count, neither overwrites the
other. A call writes its rows in key order, so two operations that make one call each never
wait on each other in a circle: give an operation's deltas in one call (`also=` in
invoicing.totals.invoice_totals_change), not several.

The table lives in core because every money-owning app writes to it and core is the only app
below them all (DESIGN §2); what the totals mean is decided by those apps, and the
recomputation that checks them lives in reports (`fairbill check-totals`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from fairbill.core.models import DailyTotal

Measure = DailyTotal.Measure
HUNDRED = Decimal(100)
ZERO_RATE = Decimal(0)


def cents(amount: Decimal) -> int:
    """An amount of two decimal places in hundredths (exactly: refuses finer amounts)."""
    value = amount * HUNDRED
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(value)


def from_cents(value: int | None) -> Decimal:
    return (Decimal(value or 0) / HUNDRED).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Key:
    currency: str
    measure: str
    day: date
    label: str = ""
    rate: Decimal = ZERO_RATE


@dataclass(frozen=True)
class Delta:
    """What one operation adds to one daily total (negative to take away); amounts in
    hundredths (see `cents`)."""

    key: Key
    count: int = 0
    net: int = 0
    tax: int = 0
    total: int = 0

    def __neg__(self) -> Delta:
        return Delta(self.key, -self.count, -self.net, -self.tax, -self.total)


def deltas_sum(deltas: Iterable[Delta]) -> dict[Key, Delta]:
    """Deltas added up per key, those that cancel out left out, in key order."""
    found: dict[Key, list[int]] = {}
    for d in deltas:
        sums = found.setdefault(d.key, [0, 0, 0, 0])
        for n, value in enumerate((d.count, d.net, d.tax, d.total)):
            sums[n] += value
    ordered = sorted(found.items(), key=lambda item: _order(item[0]))
    return {key: Delta(key, *sums) for key, sums in ordered if any(sums)}


def _order(key: Key) -> tuple[str, str, date, str, Decimal]:
    return (key.currency, key.measure, key.day, key.label, key.rate)


COLUMNS = ("currency", "measure", "day", "label", "rate", "count", "net", "tax", "total")
SUMMED = ("count", "net", "tax", "total")


def daily_totals_add(deltas: Iterable[Delta]) -> None:
    """Add deltas to the daily totals, inside the caller's transaction: one statement per
    (currency, measure, day, label, rate) touched, sent together. The call for a credit note,
    a refund or any new money operation: work out its deltas, call this once."""
    rows = [_row(d) for d in deltas_sum(deltas).values()]
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(DailyTotal._meta.db_table)
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in SUMMED)
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in COLUMNS[:5])}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _row(d: Delta) -> tuple[Any, ...]:
    ops = connection.ops
    return (
        d.key.currency,
        d.key.measure,
        ops.adapt_datefield_value(d.key.day),
        d.key.label,
        ops.adapt_decimalfield_value(d.key.rate, 7, 4),
        d.count,
        d.net,
        d.tax,
        d.total,
    )


def daily_totals_replace(deltas: Iterable[Delta]) -> int:
    """Rewrite every daily total with these (`fairbill check-totals --fix`), inside the
    caller's transaction; the number of rows written. On PostgreSQL call
    `daily_totals_lock` first, before computing the deltas."""
    rows = [
        DailyTotal(
            currency=d.key.currency,
            measure=d.key.measure,
            day=d.key.day,
            label=d.key.label,
            rate=d.key.rate,
            count=d.count,
            net=d.net,
            tax=d.tax,
            total=d.total,
        )
        for d in deltas_sum(deltas).values()
    ]
    DailyTotal.objects.all().delete()
    DailyTotal.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def daily_totals_lock() -> None:
    """Hold off every money operation's additions until the caller's transaction ends (on
    PostgreSQL; SQLite has one writer at a time anyway): a recomputation made after this
    sees every operation that added to the totals, and those still running add to what it
    writes."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(DailyTotal._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
