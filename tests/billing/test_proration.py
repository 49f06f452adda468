from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from fairbill.core.money import quantize
from fairbill.subscriptions.periods import CYCLE_MONTHS, period_end
from fairbill.subscriptions.proration import prorate, prorate_billed_ahead

money = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))
cycles = st.sampled_from([c for c, m in CYCLE_MONTHS.items() if m])


@st.composite
def periods(draw):
    start = draw(starts)
    cycle = draw(cycles)
    end = period_end(start, cycle, start.day)
    effective = start + timedelta(days=draw(st.integers(0, (end - start).days - 1)))
    return start, end, effective


@given(periods(), money, money, st.booleans())
def test_unused_credit_plus_used_time_is_exactly_what_was_paid(period, charged, new, same):
    start, end, effective = period
    p = prorate(
        period_start=start,
        period_end=end,
        effective=effective,
        charged=charged,
        new_price=new,
        same_cycle=same,
        currency="GBP",
    )
    used = Fraction(charged) * Fraction(p.total_days - p.left_days, p.total_days)
    assert p.unused_credit + used == Fraction(charged)
    assert 0 <= p.unused_credit <= Fraction(charged)


@given(periods(), money, money)
def test_net_is_rounded_once_and_signs_follow_the_prices(period, charged, new):
    start, end, effective = period
    p = prorate(
        period_start=start,
        period_end=end,
        effective=effective,
        charged=charged,
        new_price=new,
        same_cycle=True,
        currency="GBP",
    )
    assert abs(Fraction(p.net) - p.exact) <= Fraction(1, 200)
    assert p.net == quantize(p.net, "GBP")
    if new > charged:
        assert p.net >= 0
    if new < charged:
        assert p.net <= 0
    # an upgrade never costs more than the difference for the whole period
    assert abs(p.net) <= abs(new - charged)


@given(periods(), money)
def test_changing_to_the_same_price_costs_nothing(period, price):
    start, end, effective = period
    p = prorate(
        period_start=start,
        period_end=end,
        effective=effective,
        charged=price,
        new_price=price,
        same_cycle=True,
        currency="GBP",
    )
    assert p.net == 0


def test_first_and_last_day_of_the_period():
    first = prorate(
        period_start=date(2027, 2, 1),
        period_end=date(2027, 3, 1),
        effective=date(2027, 2, 1),
        charged=Decimal("10"),
        new_price=Decimal("30"),
        same_cycle=True,
        currency="GBP",
    )
    assert (first.left_days, first.total_days, first.net) == (28, 28, Decimal("20.00"))
    last = prorate(
        period_start=date(2027, 2, 1),
        period_end=date(2027, 3, 1),
        effective=date(2027, 2, 28),
        charged=Decimal("10"),
        new_price=Decimal("30"),
        same_cycle=True,
        currency="GBP",
    )
    assert (last.left_days, last.net) == (1, Decimal("0.71"))  # 20 × 1/28 = 0.714…


def test_leap_february_has_29_days():
    p = prorate(
        period_start=date(2028, 2, 1),
        period_end=date(2028, 3, 1),
        effective=date(2028, 2, 15),
        charged=Decimal("29"),
        new_price=Decimal("58"),
        same_cycle=True,
        currency="GBP",
    )
    assert (p.left_days, p.total_days, p.net) == (15, 29, Decimal("15.00"))


@given(periods(), money, money, money, st.booleans())
def test_a_change_before_a_period_billed_ahead_is_the_rest_of_one_plus_all_of_the_next(
    period, charged_previous, charged, new, same
):
    previous_start, start, effective = period
    end = period_end(start, "monthly", previous_start.day)
    ahead = prorate_billed_ahead(
        previous_start=previous_start,
        period_start=start,
        period_end=end,
        effective=effective,
        charged_previous=charged_previous,
        charged=charged,
        new_price=new,
        same_cycle=same,
        currency="GBP",
    )
    rest = prorate(
        period_start=previous_start,
        period_end=start,
        effective=effective,
        charged=charged_previous,
        new_price=new,
        same_cycle=same,
        currency="GBP",
    )
    whole = prorate(
        period_start=start,
        period_end=end,
        effective=start,
        charged=charged,
        new_price=new,
        same_cycle=True,
        currency="GBP",
    )
    assert ahead.unused_credit == rest.unused_credit + whole.unused_credit
    assert ahead.new_charge == (rest.new_charge + whole.new_charge if same else Fraction(new))
    assert ahead.left_days == (end - effective).days
