"""Time entries and how they become invoice lines: pure functions, no ORM, no clock.

An entry comes from Basecamp or from a CSV file; it is identified by (source, external_id).
Entries are grouped by project, person or day; each group is one line whose quantity is the
hours and whose unit price the hourly rate, so line amount = round(hours × rate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from fairbill.core.errors import InvalidInput
from fairbill.core.money import MAX_AMOUNT, PLAIN_NUMBER, ZERO, parse_decimal
from fairbill.invoicing.calculations import line_amount

GROUP_BY = ("project", "person", "day")
HOURS_PLACES = Decimal("0.0001")
MAX_HOURS = Decimal("100000")


@dataclass(frozen=True)
class TimeEntry:
    source: str
    external_id: str
    date: date
    hours: Decimal
    description: str = ""
    project: str = ""
    person: str = ""
    updated_at: datetime | None = None
    rate: Decimal | None = None  # the project's own rate, when it has one

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


@dataclass
class Group:
    label: str
    rate: Decimal
    entries: list[TimeEntry] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((e.hours for e in self.entries), ZERO)

    @property
    def first(self) -> date:
        return min(e.date for e in self.entries)

    @property
    def last(self) -> date:
        return max(e.date for e in self.entries)

    def amount(self, currency: str) -> Decimal:
        return line_amount(self.hours, self.rate, currency)

    def description(self, by: str) -> str:
        if by == "day":
            return f"Time on {_day(self.first, year=True)}: {_topics(self.entries)}"
        if self.first == self.last:
            span = _day(self.first, year=True)
        else:
            span = f"{_span_start(self.first, self.last)} – {_day(self.last, year=True)}"
        return f"Time: {self.label}, {span}"


def _span_start(first: date, last: date) -> str:
    if first.year != last.year:
        return _day(first, year=True)
    return str(first.day) if first.month == last.month else _day(first, year=False)


def _day(day: date, *, year: bool) -> str:
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


def _topics(entries: Sequence[TimeEntry]) -> str:
    names = sorted({e.project for e in entries if e.project})
    return ", ".join(names) or "work"


def parse_hours(value: object, *, where: str = "hours") -> Decimal:
    """Hours as Basecamp writes them ("1.5" or "1:30"), exact to 4 decimal places."""
    if isinstance(value, float | bool):
        raise InvalidInput(f"{where}: give hours as text, e.g. 1.5 or 1:30.")
    text = str(value if value is not None else "").strip()
    parts = text.split(":", 1)
    if not all(PLAIN_NUMBER.fullmatch(part) for part in parts if part) or not parts[-1]:
        # The same syntax as amounts: no "1e2", "1_0" or non-ASCII digits.
        raise InvalidInput(f"{where}: '{text}' is not a number of hours.")
    try:
        if ":" in text:
            hours_part, minutes_part = text.split(":", 1)
            minutes = Decimal(minutes_part)
            if not 0 <= minutes < 60:
                raise InvalidInput(f"{where}: '{text}' has minutes outside 0–59.")
            hours = Decimal(hours_part or "0") + minutes / Decimal(60)
        else:
            hours = Decimal(text)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{where}: '{text}' is not a number of hours.") from None
    if not hours.is_finite() or hours <= 0:
        raise InvalidInput(f"{where}: '{text}' must be more than 0 hours.")
    if hours > MAX_HOURS:
        raise InvalidInput(f"{where}: '{text}' is more than {MAX_HOURS} hours.")
    return hours.quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def parse_rate(value: object, *, where: str = "hourly rate") -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidInput(f'{where}: give the rate as a decimal string, e.g. "85.00".')
    rate = parse_decimal(value, field="hourly_rate", places=4, label=where)
    if rate <= 0 or rate > MAX_AMOUNT:
        raise InvalidInput(f"{where}: must be more than 0.")
    return rate


def group_entries(
    entries: Iterable[TimeEntry], *, by: str, default_rate: Decimal | None
) -> list[Group]:
    """One group per project, person or day (and per rate, when projects' rates differ)."""
    if by not in GROUP_BY:
        raise InvalidInput(f"group by: choose one of {', '.join(GROUP_BY)}.", "group_by")
    groups: dict[tuple[str, Decimal], Group] = {}
    for entry in sorted(entries, key=lambda e: (e.date, e.project, e.person, e.external_id)):
        rate = entry.rate if entry.rate is not None else default_rate
        if rate is None:
            raise InvalidInput(
                "hourly rate: set the customer's hourly rate (or the project's) first.",
                "hourly_rate",
            )
        label = {"project": entry.project, "person": entry.person, "day": entry.date.isoformat()}[
            by
        ]
        label = label or "(none)"
        groups.setdefault((label, rate), Group(label=label, rate=rate)).entries.append(entry)
    if by == "day":
        return sorted(groups.values(), key=lambda g: (g.first, g.rate))
    return sorted(groups.values(), key=lambda g: (g.label.lower(), g.rate))
