"""`fairbill basecamp-import customers|time`: import Basecamp clients, invoice tracked time."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import FairbillError
from fairbill.core.money import format_money
from fairbill.customers.models import Customer
from fairbill.customers.selectors import invoice_details_missing
from fairbill.integrations.basecamp.importer import (
    PER,
    basecamp_customers_import,
    basecamp_entries,
    candidates_from_people,
    customers_plan,
    projects_sync,
)
from fairbill.integrations.basecamp.services import basecamp_client
from fairbill.timebilling.calculations import GROUP_BY, parse_rate
from fairbill.timebilling.services import TimePlan, time_invoice_create, time_plan

ACTIONS = {
    "create": "created",
    "update": "updated",
    "link": "linked",
    "unchanged": "unchanged",
    "skip": "skipped",
}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Import customers from Basecamp, or invoice the time tracked for a customer."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        customers = sub.add_parser("customers", help="Create/update customers from clients.")
        customers.add_argument("--per", choices=PER, default="company")
        customers.add_argument("--dry-run", action="store_true", help="Show, change nothing.")
        customers.add_argument("--no-progress", action="store_true")
        time = sub.add_parser("time", help="Invoice a customer's Basecamp time.")
        time.add_argument("--customer", type=int, required=True, help="Customer id.")
        time.add_argument("--from", dest="start", type=_date, required=True)
        time.add_argument("--to", dest="end", type=_date, required=True)
        time.add_argument("--group", choices=GROUP_BY, default="project")
        time.add_argument("--rate", help="Hourly rate (default: the customer's).")
        time.add_argument("--dry-run", action="store_true", help="Show, invoice nothing.")
        time.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["what"] == "customers":
                self._customers(options)
            else:
                self._time(options)
        except FairbillError as exc:
            raise CommandError(exc.message) from None

    def _bar(self, options: dict[str, Any], unit: str, desc: str) -> tuple[Any, Callable]:
        show = not options["no_progress"] and sys.stderr.isatty()
        bar = tqdm(total=0, unit=unit, desc=desc, disable=not show, file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        return bar, progress

    def _customers(self, options: dict[str, Any]) -> None:
        actor = Actor.system("basecamp import (command)")
        client = basecamp_client()
        try:
            candidates = candidates_from_people(client.people(), options["per"])
            projects = client.projects()
        finally:
            client.close()
        if options["dry_run"]:
            rows = customers_plan(candidates)
            self.stdout.write("Dry run (nothing written):")
        else:
            bar, progress = self._bar(options, "customer", "Importing")
            with transaction.atomic():
                rows = basecamp_customers_import(
                    actor=actor, candidates=candidates, progress=progress
                ).rows
                projects_sync(actor=actor, projects=projects, link_suggested=True)
            bar.close()
        for row in rows:
            who = f"{row.candidate.name} <{row.candidate.email or '-'}>"
            extra = "; ".join(f"{k}: {a} → {b}" for k, (a, b) in row.changes.items())
            self.stdout.write(f"  {row.action:<9} {who}{'  ' + extra if extra else ''}")
        verb = "would be " if options["dry_run"] else ""
        summary = ", ".join(
            f"{sum(1 for r in rows if r.action == a)} {verb}{word}" for a, word in ACTIONS.items()
        )
        self.stdout.write(f"Customers from Basecamp (one per {options['per']}): {summary}")
        lacking = [r.customer for r in rows if r.customer and invoice_details_missing(r.customer)]
        if lacking and not options["dry_run"]:
            self.stdout.write(
                f"{len(lacking)} of them lack what an invoice needs (Basecamp has no postal "
                "address): Customers → Missing invoice details lists them."
            )

    def _time(self, options: dict[str, Any]) -> None:
        customer = Customer.objects.filter(pk=options["customer"]).first()
        if customer is None:
            raise CommandError(f"No customer with id {options['customer']}.")
        rate = parse_rate(options["rate"]) if options["rate"] else None
        bar, progress = self._bar(options, "project", "Reading timesheets")
        client = basecamp_client()
        try:
            entries = basecamp_entries(
                client=client,
                customer=customer,
                start=options["start"],
                end=options["end"],
                progress=progress,
            )
        finally:
            client.close()
            bar.close()
        if options["dry_run"]:
            plan = time_plan(
                customer=customer, entries=entries, group_by=options["group"], hourly_rate=rate
            )
        else:
            plan = time_invoice_create(
                actor=Actor.system("basecamp import (command)"),
                customer=customer,
                entries=entries,
                group_by=options["group"],
                issue_date=clock.today(),
                hourly_rate=rate,
            )
        self._time_summary(plan, options["dry_run"])

    def _time_summary(self, plan: TimePlan, dry_run: bool) -> None:
        out, c = self.stdout, plan.currency
        out.write(("Dry run (nothing invoiced): " if dry_run else "") + f"{plan.customer.name}")
        for g in plan.groups:
            out.write(
                f"  {g.description(plan.group_by)}: {g.hours.normalize()} h × "
                f"{g.rate.normalize()} = {format_money(g.amount(c), c)}"
            )
        out.write(
            f"  new entries: {len(plan.new)} ({plan.hours.normalize()} h), "
            f"subtotal {format_money(plan.subtotal, c)}"
        )
        out.write(f"  invoiced already: {len(plan.billed)}")
        for ch in plan.changed:
            out.write(
                f"  changed since invoiced (not billed again): {ch.entry.date} "
                f"{ch.entry.project}: {ch.what} (invoice {ch.billed.invoice.number})"
            )
        if plan.invoice is not None:
            out.write(
                f"Invoice {plan.invoice.number}: "
                f"{format_money(plan.invoice.total, c)} including tax"
            )
