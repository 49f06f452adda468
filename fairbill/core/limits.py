"""Sanity limits on what a person types: the largest amount per kind of field, and the
window of dates around today that payments, credit, packages and invoices accept.

The amounts are far above anything a service business bills, yet far below what the
database could store: a typo with a few zeros too many is refused with a clear message
instead of being invoiced, paid or emailed. Currencies whose unit is worth little (yen, won,
rupiah, dong…) get limits 1,000 times larger. docs/api.md lists them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fairbill.core.clock import FIRST_DAY
from fairbill.core.errors import InvalidInput
from fairbill.core.money import format_money

# The largest amount per kind of field, in units of the currency.
AMOUNT_LIMITS = {
    "credit": Decimal("1000000"),  # account credit added or removed at once
    "payment": Decimal("10000000"),  # one payment received
    "price": Decimal("10000000"),  # a unit price, a package price or setup fee
}
# Currencies whose unit is worth less than about a tenth of a US cent to a few cents.
SMALL_UNIT_CURRENCIES = frozenset(
    {
        "BIF", "CLP", "COP", "CRC", "GNF", "HUF", "IDR", "IRR", "ISK", "JPY", "KHR", "KRW",
        "KZT", "LAK", "LBP", "MGA", "MMK", "MNT", "MWK", "NGN", "PYG", "RWF", "SLE", "SLL",
        "SOS", "SYP", "TZS", "UGX", "UZS", "VND", "XAF", "XOF", "YER",
    }
)  # fmt: skip
# A payment more than this many times the balance due needs an explicit confirmation.
OVERPAYMENT_FACTOR = Decimal("2")


def amount_limit(kind: str, currency: str) -> Decimal:
    limit = AMOUNT_LIMITS[kind]
    return limit * 1000 if currency in SMALL_UNIT_CURRENCIES else limit


def amount_check(amount: Decimal, *, kind: str, currency: str, field: str, label: str) -> Decimal:
    """The amount, or InvalidInput when it is above the limit for its kind of field."""
    limit = amount_limit(kind, currency)
    if abs(amount) > limit:
        raise InvalidInput(
            f"{label}: {format_money(abs(amount), currency)} is more than "
            f"{format_money(limit, currency)}, the most Fairbill accepts here; check the amount.",
            field,
        )
    return amount


def overpayment_needs_confirmation(amount: Decimal, balance: Decimal) -> bool:
    """A payment far above what is due is most often a typo: it must be confirmed."""
    return amount > max(balance, Decimal(0)) * OVERPAYMENT_FACTOR


def years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_window(today: date, years: int) -> tuple[date, date]:
    return years_from(today, -years), years_from(today, years)


def date_check(
    value: date, *, today: date, years: int, field: str, label: str, history: bool = False
) -> date:
    """The date, or InvalidInput when it is more than `years` years from today (the
    business setting "date window"). A date that records history (a package's start, an
    invoice's issue date: data brought over from an old system) may go back to 1900."""
    first, last = date_window(today, years)
    if history:
        first = FIRST_DAY
    if not first <= value <= last:
        raise InvalidInput(
            f"{label}: {value:%-d %b %Y} is too far from today; give a date "
            f"between {first:%-d %b %Y} and {last:%-d %b %Y}.",
            field,
        )
    return value


def date_in_window(value: date, *, field: str, label: str, history: bool = False) -> date:
    """date_check against the real today and the business's date window: for dates a person
    types (payments, credit, packages, manual invoices), not for the billing run's own."""
    from fairbill.core import clock
    from fairbill.core.models import BusinessSettings

    years = BusinessSettings.load().date_window_years
    return date_check(
        value, today=clock.today(), years=years, field=field, label=label, history=history
    )
