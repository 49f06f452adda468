"""Basecamp → Fairbill: customers from client people or companies, linked projects, and the
time entries of a customer's projects.

The plan (what an import would do) and the import share one function, so the preview shows
exactly what the import does. Matching: by the Basecamp id already linked, then by email.
Running an import twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.core import get_global
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, Refused
from fairbill.core.models import BusinessSettings
from fairbill.core.services import event_record
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create, customer_update
from fairbill.integrations.basecamp.client import Basecamp
from fairbill.integrations.basecamp.models import Link, Project
from fairbill.integrations.basecamp.services import connection_get
from fairbill.timebilling.calculations import TimeEntry, parse_hours, parse_rate
from fairbill.timebilling.models import BilledEntry

PER = ("company", "person")


@dataclass(frozen=True)
class Candidate:
    """A customer-to-be: a client company (with its people's emails) or a client person."""

    kind: str
    basecamp_id: int
    name: str
    email: str
    company: str
    emails: tuple[str, ...] = ()
    # Basecamp has no postal address: only a person's free-text location ("Chicago, IL")
    # and time zone, from which the country is read.
    location: str = ""
    country: str = ""


@dataclass
class PlanRow:
    candidate: Candidate
    action: str  # create, update, link, unchanged, skip
    customer: Customer | None = None
    matched_by: str = ""
    changes: dict[str, list[str]] = field(default_factory=dict)
    reason: str = ""


def candidates_from_people(people: Sequence[dict[str, Any]], per: str) -> list[Candidate]:
    """Client people of Basecamp as customers: one per client company, or one per person.
    In company mode, a client person without a company becomes a customer of its own."""
    if per not in PER:
        raise InvalidInput(f"per: choose {' or '.join(PER)}.", "per")
    clients = sorted((p for p in people if p.get("client") and p.get("id")), key=lambda p: p["id"])
    result: list[Candidate] = []
    companies: dict[int, list[dict[str, Any]]] = {}
    for person in clients:
        company = person.get("company") or {}
        if per == "company" and company.get("id"):
            companies.setdefault(int(company["id"]), []).append(person)
            continue
        result.append(
            Candidate(
                kind=Link.Kind.PERSON,
                basecamp_id=int(person["id"]),
                name=str(person.get("name") or "").strip(),
                email=_email(person),
                company=str(company.get("name") or "").strip(),
                emails=(_email(person),) if _email(person) else (),
                **_whereabouts([person]),
            )
        )
    for company_id, members in companies.items():
        emails = tuple(e for e in (_email(p) for p in members) if e)
        name = str((members[0].get("company") or {}).get("name") or "").strip()
        result.append(
            Candidate(
                kind=Link.Kind.COMPANY,
                basecamp_id=company_id,
                name=name,
                email=emails[0] if emails else "",
                company=name,
                emails=emails,
                **_whereabouts(members),
            )
        )
    return sorted(result, key=lambda c: (c.name.lower(), c.basecamp_id))


def _whereabouts(people: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Location and country of the first of these people Basecamp has them for."""
    location = next((str(p["location"]).strip() for p in people if p.get("location")), "")
    zones = get_global("zone_territories")
    countries = (zones.get(str(p.get("time_zone") or "")) for p in people)
    country = next((c for c in countries if c and c.isalpha() and c != "ZZ"), "")
    return {"location": location[:100], "country": country}


def _email(person: dict[str, Any]) -> str:
    return str(person.get("email_address") or "").strip().lower()


def customers_plan(candidates: Sequence[Candidate]) -> list[PlanRow]:
    """What importing these candidates would do (reads only)."""
    links = {
        (link.kind, link.basecamp_id): link
        for link in Link.objects.select_related("customer").filter(
            basecamp_id__in=[c.basecamp_id for c in candidates]
        )
    }
    emails = {e for c in candidates for e in c.emails}
    by_email: dict[str, Customer] = {}
    for customer in Customer.objects.filter(email__in=emails, merged_into__isnull=True).order_by(
        "id"
    ):
        by_email.setdefault(customer.email, customer)
    rows = []
    for candidate in candidates:
        link = links.get((candidate.kind, candidate.basecamp_id))
        if link is not None and not link.customer.merged_into_id:
            changes = _changes(link.customer, candidate)
            action = "update" if changes else "unchanged"
            rows.append(PlanRow(candidate, action, link.customer, "Basecamp id", changes))
            continue
        if not candidate.email:
            rows.append(PlanRow(candidate, "skip", reason="no email address in Basecamp"))
            continue
        match = next((by_email[e] for e in candidate.emails if e in by_email), None)
        if match is not None:
            changes = _changes(match, candidate)
            rows.append(
                PlanRow(candidate, "update" if changes else "link", match, "email", changes)
            )
            continue
        rows.append(PlanRow(candidate, "create"))
    return rows


def _changes(customer: Customer, candidate: Candidate) -> dict[str, list[str]]:
    wanted = {"name": candidate.name, "company": candidate.company}
    if not customer.city and candidate.location:
        wanted["city"] = candidate.location  # filled in once, never over what staff typed
    # A company's email stays whichever of its people's addresses the customer already has.
    if customer.email not in candidate.emails and candidate.email:
        wanted["email"] = candidate.email
    return {
        key: [str(getattr(customer, key)), value]
        for key, value in wanted.items()
        if value and getattr(customer, key) != value
    }


@dataclass
class ImportReport:
    rows: list[PlanRow]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


@transaction.atomic
def basecamp_customers_import(
    *,
    actor: Actor,
    candidates: Sequence[Candidate],
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create or update customers from the plan and link them to Basecamp, in one
    transaction. New customers get the business's country and currency."""
    business = BusinessSettings.load()
    rows = customers_plan(candidates)
    if any(row.action == "create" for row in rows) and not business.country:
        raise Refused("Set your business's country first (Settings): new customers get it.")
    now = clock.now()
    for done, row in enumerate(rows, start=1):
        candidate = row.candidate
        if row.action == "create":
            row.customer = customer_create(
                actor=actor,
                name=candidate.name or candidate.email,
                email=candidate.email,
                country=candidate.country or str(business.country.code),
                company=candidate.company,
                city=candidate.location,
            )
        elif row.action == "update" and row.customer is not None:
            edits: dict[str, Any] = {key: after for key, (_, after) in row.changes.items()}
            row.customer = customer_update(actor=actor, customer=row.customer, **edits)
        if row.action in ("create", "update", "link") and row.customer is not None:
            _link(row.customer, candidate, now)
        if progress:
            progress(done, len(rows))
    report = ImportReport(rows)
    singleton = _import_subject()
    event_record(
        actor=actor,
        action="basecamp.customers_imported",
        subject=singleton,
        message=f"Basecamp import: {report.count('create')} created, "
        f"{report.count('update')} updated, {report.count('link')} linked",
        data={a: report.count(a) for a in ("create", "update", "link", "unchanged", "skip")},
    )
    return report


def _link(customer: Customer, candidate: Candidate, now: datetime) -> None:
    try:
        with transaction.atomic():
            Link.objects.update_or_create(
                kind=candidate.kind,
                basecamp_id=candidate.basecamp_id,
                defaults={"customer": customer, "name": candidate.name[:200], "created_at": now},
            )
    except IntegrityError:
        raise Refused("Another import ran at the same time; run this one again.") from None


def _import_subject() -> Any:
    return connection_get()


# Projects -----------------------------------------------------------------------------


def project_suggestion(project: Project) -> Customer | None:
    """The customer linked to the project's client company (or to one of its people)."""
    if not project.client_company_id:
        return None
    link = (
        Link.objects.select_related("customer")
        .filter(kind=Link.Kind.COMPANY, basecamp_id=project.client_company_id)
        .first()
    )
    return link.customer if link else None


@transaction.atomic
def projects_sync(
    *, actor: Actor, projects: Sequence[dict[str, Any]], link_suggested: bool = False
) -> list[Project]:
    """Remember Basecamp's projects (name, client company); optionally link the ones without
    a customer to the customer suggested by their client company."""
    now = clock.now()
    result = []
    linked = 0
    for payload in projects:
        if not payload.get("id"):
            continue
        company = payload.get("client_company") or {}
        project, _ = Project.objects.update_or_create(
            basecamp_id=int(payload["id"]),
            defaults={
                "name": str(payload.get("name") or "")[:300],
                "client_company_id": company.get("id"),
                "updated_at": now,
            },
        )
        if link_suggested and project.customer_id is None:
            suggestion = project_suggestion(project)
            if suggestion is not None:
                project.customer = suggestion
                project.save(update_fields=["customer"])
                linked += 1
        result.append(project)
    event_record(
        actor=actor,
        action="basecamp.projects_synced",
        subject=_import_subject(),
        data={"projects": len(result), "linked": linked},
    )
    return result


@transaction.atomic
def project_link(
    *, actor: Actor, project: Project, customer: Customer | None, hourly_rate: object = None
) -> Project:
    """Bill a project's time to a customer, optionally at its own hourly rate."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    rate: Decimal | None = None
    if hourly_rate not in (None, ""):
        rate = parse_rate(hourly_rate, where=f"{project.name}: hourly rate")
    before = [project.customer_id, str(project.hourly_rate or "")]
    project.customer = customer
    project.hourly_rate = rate
    after = [project.customer_id, str(rate or "")]
    if before != after:
        project.updated_at = clock.now()
        project.save()
        event_record(
            actor=actor,
            action="basecamp.project_linked",
            subject=project,
            customer_id=customer.pk if customer else None,
            message=f"Project {project.name} → {customer or 'no customer'}",
            data={"customer": [before[0], after[0]], "hourly_rate": [before[1], after[1]]},
        )
    return project


# Time entries -----------------------------------------------------------------------------


def basecamp_entries(
    *,
    client: Basecamp,
    customer: Customer,
    start: date,
    end: date,
    project_ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[TimeEntry]:
    """The active timesheet entries, from start to end included, of the customer's projects."""
    if end < start:
        raise InvalidInput("to: must be on or after from.", "to")
    projects = Project.objects.filter(customer=customer).order_by("name", "id")
    if project_ids:
        projects = projects.filter(pk__in=project_ids)
    projects_list = list(projects)
    if not projects_list:
        raise Refused(
            f"{customer.name} has no Basecamp project linked: link one under "
            "Integrations → Basecamp → Projects."
        )
    entries: list[TimeEntry] = []
    for done, project in enumerate(projects_list, start=1):
        for payload in client.timesheet(
            project_id=project.basecamp_id, start=start.isoformat(), end=end.isoformat()
        ):
            entry = entry_from_basecamp(payload, project)
            if entry is not None and start <= entry.date <= end:
                entries.append(entry)
        if progress:
            progress(done, len(projects_list))
    return entries


def entry_from_basecamp(payload: dict[str, Any], project: Project) -> TimeEntry | None:
    """A timesheet entry as Fairbill bills it; None for trashed or archived entries."""
    if payload.get("status", "active") != "active" or not payload.get("id"):
        return None
    try:
        day = date.fromisoformat(str(payload.get("date")))
    except ValueError:
        return None
    person = payload.get("person") or {}
    updated = payload.get("updated_at")
    return TimeEntry(
        source=BilledEntry.Source.BASECAMP,
        external_id=str(payload["id"]),
        date=day,
        hours=parse_hours(payload.get("hours"), where=f"Basecamp entry {payload['id']}"),
        description=str(payload.get("description") or ""),
        project=project.name,
        person=str(person.get("name") or ""),
        updated_at=parse_datetime(updated) if isinstance(updated, str) else None,
        rate=project.hourly_rate,
    )
