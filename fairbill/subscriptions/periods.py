"""Billing periods: pure date arithmetic, no ORM, no clock.

A period is [start, end). Renewal dates keep the billing day: a monthly subscription started
on 31 January renews on 28/29 February, 31 March, 30 April... Adding N months gives the
billing day, clamped to the last day of the target month.
"""

from __future__ import annotations

import calendar
from datetime import date

CYCLE_MONTHS: dict[str, int] = {
    "one_time": 0,
    "monthly": 1,
    "quarterly": 3,
    "semi_annually": 6,
    "annually": 12,
    "biennially": 24,
    "triennially": 36,
}


def add_months(start: date, months: int, billing_day: int | None = None) -> date:
    """The date `months` months after `start`, on `billing_day` (default: start's day),
    clamped to the end of the month."""
    day = billing_day or start.day
    if not 1 <= day <= 31:
        raise ValueError(f"billing day must be 1-31, not {day}")
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def period_end(start: date, cycle: str, billing_day: int | None = None) -> date:
    """End (exclusive) of the period starting at `start`; the next renewal date."""
    months = CYCLE_MONTHS[cycle]
    if months == 0:
        raise ValueError("a one-time package has no recurring period")
    return add_months(start, months, billing_day)


def periods_due(
    renewal_date: date, cycle: str, billing_day: int, up_to: date
) -> list[tuple[date, date]]:
    """Every period [start, end) whose start is on or before `up_to`, oldest first,
    beginning at `renewal_date` (a subscription several periods behind gets each one)."""
    periods = []
    start = renewal_date
    while start <= up_to:
        end = period_end(start, cycle, billing_day)
        periods.append((start, end))
        start = end
    return periods


def days(start: date, end: date) -> int:
    """Calendar days in [start, end)."""
    return (end - start).days
