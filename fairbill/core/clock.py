"""The one place that reads the clock.

Domain functions take `as_of` (a date) or `now` (a datetime); only views, commands and tasks
call these. Tests move time with time-machine.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

# The dates Fairbill accepts as input (billing dates, due dates, renewals): periods and due
# dates are computed from them, and year 1 or 9999 would overflow that arithmetic.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def now() -> datetime:
    return timezone.now()


def business_zone() -> ZoneInfo:
    from fairbill.core.models import BusinessSettings

    return ZoneInfo(BusinessSettings.load().time_zone)


def today() -> date:
    """Today's date in the business's time zone."""
    return now().astimezone(business_zone()).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(business_zone()).date()
