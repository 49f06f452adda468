"""`|day` shows what `|date:"j M Y"` shows, for dates, for moments in the current time zone
(a moment just after midnight UTC is still the day before in New York) and for no value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

BOTH = Template('{{ value|date:"j M Y" }}|{{ value|day }}')


def _both(value: object) -> tuple[str, str]:
    with translation.override("en-gb"):
        django_says, day_says = BOTH.render(Context({"value": value})).split("|")
    return django_says, day_says


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_a_date_shows_as_the_date_filter_shows_it(value):
    django_says, day_says = _both(value)
    assert day_says == django_says


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["UTC", "America/New_York", "Asia/Tokyo", "Europe/London"]),
)
def test_a_moment_shows_its_day_in_the_current_time_zone(naive, zone):
    moment = naive.replace(tzinfo=UTC)
    with timezone.override(zone):
        django_says, day_says = _both(moment)
    assert day_says == django_says


def test_a_moment_after_midnight_utc_is_the_day_before_in_new_york():
    with timezone.override("America/New_York"):
        _, day_says = _both(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))
    assert day_says == "28 Feb 2027"


def test_no_value_shows_nothing_and_the_default_then_applies():
    assert _both(None) == ("", "")
    assert _both("") == ("", "")
    rendered = Template('{{ value|day|default:"—" }}').render(Context({"value": None}))
    assert rendered == "—"
    assert _both(date(2027, 9, 5) + timedelta(days=0))[1] == "5 Sep 2027"
