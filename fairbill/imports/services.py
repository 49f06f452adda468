"""CSV imports: customers (all or nothing) and time entries (invoiced like Basecamp time)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_countries import countries

from fairbill.core.actors import Actor
from fairbill.core.errors import FairbillError, InvalidInput
from fairbill.core.models import BusinessSettings
from fairbill.customers.models import Customer
from fairbill.customers.services import customers_create_many
from fairbill.imports.csvfiles import (
    CUSTOMER_FIELDS,
    REQUIRED_CUSTOMER_FIELDS,
    REQUIRED_TIME_FIELDS,
    Sheet,
    cell,
    check_mapping,
    parse_bool,
    parse_date,
    row_fingerprint,
)
from fairbill.timebilling.calculations import TimeEntry, parse_hours
from fairbill.timebilling.models import BilledEntry

MAX_ERRORS_SHOWN = 200


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class CustomerImport:
    created: int = 0
    skipped: list[RowError] = field(default_factory=list)  # already customers
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.errors


def customers_csv_import(
    *,
    actor: Actor,
    sheet: Sheet,
    mapping: dict[str, int],
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CustomerImport:
    """Create a customer per row (validated as customer_create validates one), in one
    transaction: any row with an error and nothing is imported (every error is reported with
    its line number). Rows whose email is already a customer's are skipped, so importing a
    file twice creates nothing more. Country and currency default to the business's."""
    check_mapping(mapping, REQUIRED_CUSTOMER_FIELDS, len(sheet.headers))
    business = BusinessSettings.load()
    report = CustomerImport(dry_run=dry_run)
    emails = [cell(row, mapping, "email").lower() for row in sheet.rows]
    existing = set(
        Customer.objects.filter(email__in=set(emails), merged_into__isnull=True).values_list(
            "email", flat=True
        )
    )
    first_line: dict[str, int] = {}
    to_create: list[tuple[int, dict[str, Any]]] = []
    for index, row in enumerate(sheet.rows):
        line, email = sheet.line(index), emails[index]
        if email and email in first_line:
            report.errors.append(
                RowError(line, f"email {email} is also on line {first_line[email]}.")
            )
            continue
        first_line.setdefault(email, line)
        if email in existing:
            report.skipped.append(RowError(line, f"{email} is a customer already."))
            continue
        try:
            to_create.append((line, _customer_values(row, mapping, business)))
        except FairbillError as exc:
            report.errors.append(RowError(line, exc.message))
        if progress:
            progress(index + 1, len(sheet.rows))
    with transaction.atomic():
        created, errors = customers_create_many(actor=actor, rows=[v for _, v in to_create])
        report.errors.extend(RowError(to_create[i][0], message) for i, message in errors.items())
        report.errors.sort(key=lambda e: e.line)
        report.created = len(created)
        if report.errors or dry_run:
            transaction.set_rollback(True)
    if report.errors:
        report.created = 0
    return report


def _customer_values(row: list[str], mapping: dict[str, int], business: Any) -> dict[str, Any]:
    values: dict[str, Any] = {f: cell(row, mapping, f) for f in CUSTOMER_FIELDS if f in mapping}
    values["country"] = (values.get("country") or str(business.country.code or "")).upper()
    if not values["country"]:
        raise InvalidInput("country: give one (or set your business's country).")
    if values["country"] not in countries:
        raise InvalidInput(f"country: '{values['country']}' is not a country code (GB, FR, US…).")
    values["currency"] = (values.get("currency") or "").upper() or None
    if "vat_applies" in values:
        if values["vat_applies"] == "":
            del values["vat_applies"]
        else:
            values["vat_applies"] = parse_bool(values["vat_applies"])
    return values


@dataclass
class TimeRows:
    entries: list[TimeEntry]
    errors: list[RowError]
    other_customers: int = 0


def time_entries_from_csv(*, sheet: Sheet, mapping: dict[str, int], customer: Customer) -> TimeRows:
    """The rows as time entries for this customer (rows naming another customer by id, email
    or name are left out). Each entry's id is the `id` column, or a hash of the row."""
    check_mapping(mapping, REQUIRED_TIME_FIELDS, len(sheet.headers))
    keys = {str(customer.pk), customer.email.lower(), customer.name.lower()}
    seen: Counter[tuple[str, ...]] = Counter()
    result = TimeRows([], [])
    for index, row in enumerate(sheet.rows):
        line = sheet.line(index)
        who = cell(row, mapping, "customer").lower()
        if who and who not in keys:
            result.other_customers += 1
            continue
        try:
            day = parse_date(cell(row, mapping, "date"))
            hours = parse_hours(cell(row, mapping, "hours"))
        except FairbillError as exc:
            result.errors.append(RowError(line, exc.message))
            continue
        description, project = cell(row, mapping, "description"), cell(row, mapping, "project")
        person = cell(row, mapping, "person")
        raw_id = cell(row, mapping, "id")
        parts = (str(customer.pk), day.isoformat(), str(hours), description, project, person)
        seen[parts] += 1
        external_id = f"id:{raw_id}"[:64] if raw_id else row_fingerprint(parts, seen[parts])
        result.entries.append(
            TimeEntry(
                source=BilledEntry.Source.CSV,
                external_id=external_id,
                date=day,
                hours=hours,
                description=description,
                project=project,
                person=person,
            )
        )
    ids = Counter(e.external_id for e in result.entries)
    for dup in (i for i, n in ids.items() if n > 1):
        result.errors.append(RowError(0, f"entry id {dup.removeprefix('id:')} is used twice."))
    return result
