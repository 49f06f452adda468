"""Proration of an immediate package change: pure, exact arithmetic (no ORM, no clock).

Let the current period be [S, E) with E the renewal date, the change take effect on T
(S <= T < E), left = E - T days, total = E - S days, and `charged` the net amount invoiced for
the subscription's package and options for the current period (setup fees excluded).

- Same cycle: amount = new price × left/total − charged × left/total; the renewal date stays.
- Different cycle: a new period starts on T: amount = new price (for the new cycle)
  − charged × left/total.

When the current period was billed in advance ("invoice days before renewal") and the change
is made before it starts, T lies in the previous period [P, S): the rest of that period,
[T, S), is prorated as above, and the period billed in advance, [S, E), is wholly unused
(charged in full) and wholly at the new price (same cycle), so the change takes effect on T,
the day it is made, in both cases.

Everything is computed with Fractions and rounded once, at the end. A positive amount is
invoiced; a negative one becomes account credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from fairbill.core.money import quantize_exact


@dataclass(frozen=True)
class Proration:
    left_days: int
    total_days: int
    unused_credit: Fraction  # the part of `charged` not used: charged × left/total
    new_charge: Fraction  # what the new package costs from T to the end of its period
    currency: str

    @property
    def exact(self) -> Fraction:
        return self.new_charge - self.unused_credit

    @property
    def net(self) -> Decimal:
        """The net amount, rounded once (positive: to invoice; negative: to credit)."""
        return to_money(self.exact, self.currency)


def to_money(value: Fraction, currency: str) -> Decimal:
    return quantize_exact(value, currency)


def prorate(
    *,
    period_start: date,
    period_end: date,
    effective: date,
    charged: Decimal,
    new_price: Decimal,
    same_cycle: bool,
    currency: str,
) -> Proration:
    """The change's proration; `effective` must lie in [period_start, period_end)."""
    if not period_start <= effective < period_end:
        raise ValueError("the change must take effect within the current period")
    total = (period_end - period_start).days
    left = (period_end - effective).days
    share = Fraction(left, total)
    unused = Fraction(charged) * share
    new_charge = Fraction(new_price) * share if same_cycle else Fraction(new_price)
    return Proration(
        left_days=left,
        total_days=total,
        unused_credit=unused,
        new_charge=new_charge,
        currency=currency,
    )


def prorate_billed_ahead(
    *,
    previous_start: date,
    period_start: date,
    period_end: date,
    effective: date,
    charged_previous: Decimal,
    charged: Decimal,
    new_price: Decimal,
    same_cycle: bool,
    currency: str,
) -> Proration:
    """A change made on `effective` in [previous_start, period_start), before the period
    [period_start, period_end) billed in advance has started: the rest of the previous period
    is prorated, and the period billed in advance is unused in full."""
    rest = prorate(
        period_start=previous_start,
        period_end=period_start,
        effective=effective,
        charged=charged_previous,
        new_price=new_price,
        same_cycle=same_cycle,
        currency=currency,
    )
    new_charge = rest.new_charge + Fraction(new_price) if same_cycle else Fraction(new_price)
    return Proration(
        left_days=(period_end - effective).days,
        total_days=(period_end - previous_start).days,
        unused_credit=rest.unused_credit + Fraction(charged),
        new_charge=new_charge,
        currency=currency,
    )
