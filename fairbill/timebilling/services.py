"""Invoicing tracked time (from Basecamp or a CSV file), each entry at most once.

Exactly once: the customer row is locked (the one lock order of docs/billing.md), entries
billed on a voided invoice are released, entries billed already are left out, and a unique
constraint on (source, external_id) refuses any entry a concurrent request billed first.
Entries changed at the source after they were billed are reported, never billed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.money import ZERO, format_money
from fairbill.core.services import event_record
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_lock
from fairbill.invoicing.documents import LineSpec
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.invoicing.services import invoice_issue
from fairbill.timebilling.calculations import Group, TimeEntry, group_entries, parse_rate
from fairbill.timebilling.models import BilledEntry, HourlyRate


@dataclass
class Changed:
    """An entry billed already whose hours or date changed since."""

    entry: TimeEntry
    billed: BilledEntry

    @property
    def what(self) -> str:
        parts = []
        if self.entry.hours != self.billed.hours:
            parts.append(f"hours {self.billed.hours.normalize()} → {self.entry.hours.normalize()}")
        if self.entry.date != self.billed.entry_date:
            parts.append(f"date {self.billed.entry_date} → {self.entry.date}")
        return ", ".join(parts) or "edited since it was billed"


@dataclass
class TimePlan:
    customer: Customer
    group_by: str
    groups: list[Group]
    new: list[TimeEntry]
    billed: list[TimeEntry]
    changed: list[Changed]
    released: int = 0
    invoice: Invoice | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.customer.currency

    @property
    def hours(self) -> Decimal:
        return sum((g.hours for g in self.groups), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return sum((g.amount(self.currency) for g in self.groups), ZERO)


def customer_rate(customer: Customer) -> Decimal | None:
    found = HourlyRate.objects.filter(customer=customer).values_list("rate", flat=True).first()
    return found


@transaction.atomic
def hourly_rate_set(*, actor: Actor, customer: Customer, rate: object) -> HourlyRate | None:
    """Set (or with an empty rate, remove) a customer's default hourly rate."""
    if rate in (None, ""):
        HourlyRate.objects.filter(customer=customer).delete()
        event_record(
            actor=actor,
            action="customer.hourly_rate_removed",
            subject=customer,
            customer_id=customer.pk,
        )
        return None
    value = parse_rate(rate)
    found, _ = HourlyRate.objects.update_or_create(
        customer=customer, defaults={"rate": value, "updated_at": clock.now()}
    )
    event_record(
        actor=actor,
        action="customer.hourly_rate_set",
        subject=customer,
        customer_id=customer.pk,
        message=f"Hourly rate {value.normalize()} {customer.currency}",
        data={"rate": str(value)},
    )
    return found


def time_plan(
    *,
    customer: Customer,
    entries: Sequence[TimeEntry],
    group_by: str,
    hourly_rate: Decimal | None = None,
) -> TimePlan:
    """What a time invoice would bill now: new entries grouped, those billed already, and
    those changed since they were billed. Entries of voided invoices count as new."""
    _refuse_duplicates(entries)
    keys_by_source: dict[str, list[str]] = {}
    for entry in entries:
        keys_by_source.setdefault(entry.source, []).append(entry.external_id)
    billed_rows: dict[tuple[str, str], BilledEntry] = {}
    for source, ids in keys_by_source.items():
        for row in (
            BilledEntry.objects.filter(source=source, external_id__in=ids)
            .exclude(invoice__status=Invoice.Status.VOID)
            .iterator()
        ):
            billed_rows[(row.source, row.external_id)] = row
    new = [e for e in entries if e.key not in billed_rows]
    billed = [e for e in entries if e.key in billed_rows]
    changed = [Changed(e, billed_rows[e.key]) for e in billed if _changed(e, billed_rows[e.key])]
    rate = hourly_rate if hourly_rate is not None else customer_rate(customer)
    groups = group_entries(new, by=group_by, default_rate=rate) if new else []
    return TimePlan(customer, group_by, groups, new, billed, changed)


def _changed(entry: TimeEntry, row: BilledEntry) -> bool:
    if entry.hours != row.hours or entry.date != row.entry_date:
        return True
    return bool(
        entry.updated_at and row.entry_updated_at and entry.updated_at > row.entry_updated_at
    )


def _refuse_duplicates(entries: Sequence[TimeEntry]) -> None:
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        if entry.key in seen:
            raise Refused(f"Time entry {entry.external_id} appears twice.")
        seen.add(entry.key)


@transaction.atomic
def time_invoice_create(
    *,
    actor: Actor,
    customer: Customer,
    entries: Sequence[TimeEntry],
    group_by: str,
    issue_date: date,
    hourly_rate: Decimal | None = None,
    due_date: date | None = None,
) -> TimePlan:
    """Invoice the entries not billed yet (kind "time", one line per group, VAT per the
    customer) and remember each one, so that it is never billed again."""
    customer = customer_lock(customer.pk)
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one; invoice that one.")
    released = _release_voided(entries)
    plan = time_plan(customer=customer, entries=entries, group_by=group_by, hourly_rate=hourly_rate)
    plan.released = released
    if not plan.new:
        raise Refused(
            "Nothing to invoice: every time entry in this range was billed already"
            + (f" ({len(plan.changed)} changed since; see the preview)." if plan.changed else ".")
        )
    specs = [
        LineSpec(
            description=group.description(group_by),
            quantity=group.hours,
            unit_price=group.rate,
            kind=InvoiceLine.Kind.TIME,
        )
        for group in plan.groups
    ]
    invoice = invoice_issue(
        actor=actor,
        customer=customer,
        kind=Invoice.Kind.TIME,
        specs=specs,
        issue_date=issue_date,
        due_date=due_date,
    )
    now = clock.now()
    rows = [
        BilledEntry(
            source=e.source,
            external_id=e.external_id,
            customer=customer,
            invoice=invoice,
            entry_date=e.date,
            hours=e.hours,
            description=e.description[:500],
            project=e.project[:300],
            person=e.person[:200],
            entry_updated_at=e.updated_at,
            billed_at=now,
        )
        for e in plan.new
    ]
    try:
        with transaction.atomic():
            BilledEntry.objects.bulk_create(rows)
    except IntegrityError:
        raise Refused(
            "Some of these time entries were just invoiced by someone else; "
            "look at the preview again."
        ) from None
    plan.invoice = invoice
    event_record(
        actor=actor,
        action="time.invoiced",
        subject=invoice,
        customer_id=customer.pk,
        message=f"{len(rows)} time entries ({plan.hours.normalize()} h) invoiced on "
        f"{invoice.number} for {format_money(invoice.total, invoice.currency)}",
        data={
            "entries": len(rows),
            "hours": str(plan.hours),
            "group_by": group_by,
            "released_from_void": released,
            "changed_not_billed": [c.entry.external_id for c in plan.changed],
        },
    )
    return plan


def _release_voided(entries: Sequence[TimeEntry]) -> int:
    """Forget the billing of entries whose invoice was voided or credited in full (under the
    customer lock)."""
    released = 0
    sources = {e.source for e in entries}
    for source in sources:
        ids = [e.external_id for e in entries if e.source == source]
        released += BilledEntry.objects.filter(
            source=source,
            external_id__in=ids,
            invoice__status__in=[Invoice.Status.VOID, Invoice.Status.CREDITED],
        ).delete()[0]
    return released
