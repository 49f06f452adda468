import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairbill.subscriptions.periods import CYCLE_MONTHS, add_months, days, period_end, periods_due

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
recurring = st.sampled_from([c for c, m in CYCLE_MONTHS.items() if m])


@given(dates, st.integers(min_value=0, max_value=120))
def test_add_months_keeps_the_billing_day_or_the_month_end(start, months):
    result = add_months(start, months)
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(start.day, last_day)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months


@given(dates, recurring, st.integers(min_value=1, max_value=30))
def test_billing_day_is_restored_after_a_short_month(start, cycle, steps):
    # Walking period by period never drifts: the nth renewal equals start + n cycles.
    billing_day = start.day
    current = start
    for _ in range(steps):
        current = period_end(current, cycle, billing_day)
    assert current == add_months(start, CYCLE_MONTHS[cycle] * steps, billing_day)


@given(dates, recurring, st.integers(min_value=0, max_value=800))
def test_periods_due_are_contiguous_and_cover_up_to_the_date(start, cycle, extra_days):
    up_to = start + timedelta(days=extra_days)
    periods = periods_due(start, cycle, start.day, up_to)
    assert periods[0][0] == start
    for (_, end), (next_start, _) in zip(periods, periods[1:], strict=False):
        assert end == next_start
    assert periods[-1][0] <= up_to < periods[-1][1]
    assert all(days(s, e) > 0 for s, e in periods)


def test_month_end_walk_by_hand():
    day = 31
    walk = [date(2027, 1, 31)]
    for _ in range(4):
        walk.append(period_end(walk[-1], "monthly", day))
    assert walk == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_leap_year_february():
    assert period_end(date(2028, 1, 30), "monthly", 30) == date(2028, 2, 29)
    assert period_end(date(2028, 2, 29), "annually", 29) == date(2029, 2, 28)
    assert period_end(date(2029, 2, 28), "annually", 29) == date(2030, 2, 28)
    assert period_end(date(2031, 2, 28), "annually", 29) == date(2032, 2, 29)


def test_one_time_has_no_period():
    with pytest.raises(ValueError, match="one-time"):
        period_end(date(2027, 1, 1), "one_time")
