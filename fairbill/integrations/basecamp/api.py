"""/api/v1/integrations/basecamp/…: preview and import customers, preview and invoice time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fairbill.api.fields import Body, Day, HourlyRate, Id, OneOf, money_out
from fairbill.api.helpers import require
from fairbill.api.idempotency import idempotent
from fairbill.core import clock
from fairbill.core.errors import NotFound
from fairbill.customers.models import Customer
from fairbill.integrations.basecamp.importer import (
    ImportReport,
    PlanRow,
    basecamp_customers_import,
    basecamp_entries,
    candidates_from_people,
    customers_plan,
)
from fairbill.integrations.basecamp.services import basecamp_client
from fairbill.timebilling.calculations import GROUP_BY, TimeEntry, parse_rate
from fairbill.timebilling.services import TimePlan, time_invoice_create, time_plan

router: Router = Router(tags=["basecamp"])


class CustomersIn(Body):
    per: Annotated[str, OneOf(["company", "person"])] = Field(
        "company",
        description="company: one customer per client company; person: one per client person",
    )


class CustomerRowOut(Schema):
    kind: str
    basecamp_id: int
    name: str
    email: str
    action: str = Field(description="create, update, link, unchanged or skip")
    matched_by: str
    customer_id: int | None
    changes: dict[str, list[str]]
    reason: str


class CustomersOut(Schema):
    items: list[CustomerRowOut]
    count: int
    created: int
    updated: int
    linked: int


def _customer_rows(rows: list[PlanRow]) -> CustomersOut:
    items = [
        CustomerRowOut(
            kind=r.candidate.kind,
            basecamp_id=r.candidate.basecamp_id,
            name=r.candidate.name,
            email=r.candidate.email,
            action=r.action,
            matched_by=r.matched_by,
            customer_id=r.customer.pk if r.customer else None,
            changes=r.changes,
            reason=r.reason,
        )
        for r in rows
    ]
    report = ImportReport(rows)
    return CustomersOut(
        items=items,
        count=len(items),
        created=report.count("create"),
        updated=report.count("update"),
        linked=report.count("link"),
    )


def _people(per: str) -> list:
    client = basecamp_client()
    try:
        return candidates_from_people(client.people(), per)
    finally:
        client.close()


@router.post("/integrations/basecamp/customers/preview", response=CustomersOut)
@idempotent
def customers_preview(request: HttpRequest, payload: CustomersIn) -> CustomersOut:
    """What importing Basecamp's clients would do; writes nothing."""
    require(request, "customers")
    return _customer_rows(customers_plan(_people(payload.per)))


@router.post("/integrations/basecamp/customers/import", response=CustomersOut)
@idempotent
def customers_import(request: HttpRequest, payload: CustomersIn) -> CustomersOut:
    """Create or update customers from Basecamp's clients and link them (idempotent)."""
    actor = require(request, "customers")
    report = basecamp_customers_import(actor=actor, candidates=_people(payload.per))
    return _customer_rows(report.rows)


class TimeIn(Body):
    customer_id: Id
    start: Day = Field(alias="from")
    end: Day = Field(alias="to")
    group_by: Annotated[str, OneOf(GROUP_BY)] = "project"
    hourly_rate: HourlyRate | None = Field(None, description="left out: the customer's rate")
    project_ids: list[Id] | None = Field(None, description="Fairbill ids of linked projects")
    issue_date: Day | None = None


class GroupOut(Schema):
    label: str
    description: str
    hours: str
    rate: str
    amount: str
    entries: int


class ChangedOut(Schema):
    entry_id: str
    date: dt.date
    change: str
    invoice_number: str | None


class TimeOut(Schema):
    customer_id: int
    currency: str
    group_by: str
    groups: list[GroupOut]
    hours: str
    subtotal: str
    new_entries: int
    already_billed: int
    changed: list[ChangedOut]
    invoice_id: int | None = None
    invoice_number: str | None = None
    total: str | None = None


def _time_out(plan: TimePlan) -> TimeOut:
    c = plan.currency
    invoice = plan.invoice
    return TimeOut(
        customer_id=plan.customer.pk,
        currency=c,
        group_by=plan.group_by,
        groups=[
            GroupOut(
                label=g.label,
                description=g.description(plan.group_by),
                hours=str(g.hours.normalize()),
                rate=str(g.rate.normalize()),
                amount=money_out(g.amount(c), c),
                entries=len(g.entries),
            )
            for g in plan.groups
        ],
        hours=str(plan.hours.normalize()),
        subtotal=money_out(plan.subtotal, c),
        new_entries=len(plan.new),
        already_billed=len(plan.billed),
        changed=[
            ChangedOut(
                entry_id=ch.entry.external_id,
                date=ch.entry.date,
                change=ch.what,
                invoice_number=ch.billed.invoice.number,
            )
            for ch in plan.changed
        ],
        invoice_id=invoice.pk if invoice else None,
        invoice_number=invoice.number if invoice else None,
        total=money_out(invoice.total, c) if invoice else None,
    )


def _entries(payload: TimeIn, customer: Customer) -> list[TimeEntry]:
    client = basecamp_client()
    try:
        return basecamp_entries(
            client=client,
            customer=customer,
            start=payload.start,
            end=payload.end,
            project_ids=payload.project_ids,
        )
    finally:
        client.close()


def _customer(payload: TimeIn) -> Customer:
    customer = Customer.objects.filter(merged_into__isnull=True, pk=payload.customer_id).first()
    if customer is None:
        # An id in the body that doesn't exist is invalid input (422), as everywhere else.
        raise NotFound(f"No customer with id {payload.customer_id}.", "customer_id")
    return customer


@router.post("/integrations/basecamp/time/preview", response=TimeOut)
@idempotent
def time_preview(request: HttpRequest, payload: TimeIn) -> TimeOut:
    """The time not invoiced yet, grouped, with entries billed already and those changed."""
    require(request, "invoices")
    customer = _customer(payload)
    rate = parse_rate(payload.hourly_rate) if payload.hourly_rate else None
    plan = time_plan(
        customer=customer,
        entries=_entries(payload, customer),
        group_by=payload.group_by,
        hourly_rate=rate,
    )
    return _time_out(plan)


@router.post("/integrations/basecamp/time/invoice", response={201: TimeOut})
@idempotent
def time_invoice(request: HttpRequest, payload: TimeIn) -> Status:
    """Invoice the time not invoiced yet (kind "time"); each entry is billed once."""
    actor = require(request, "invoices")
    customer = _customer(payload)
    rate = parse_rate(payload.hourly_rate) if payload.hourly_rate else None
    plan = time_invoice_create(
        actor=actor,
        customer=customer,
        entries=_entries(payload, customer),
        group_by=payload.group_by,
        issue_date=payload.issue_date or clock.today(),
        hourly_rate=rate,
    )
    return Status(201, _time_out(plan))
