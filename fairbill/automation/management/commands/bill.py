"""`fairbill bill --as-of YYYY-MM-DD [--dry-run]`: the daily billing run."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from fairbill.automation.billing_run import BATCH_SIZE, RunReport, billing_run
from fairbill.automation.parallel import billing_run_parallel
from fairbill.core import clock
from fairbill.core.actors import Actor


def _share(value: str) -> tuple[int, int]:
    index, _, count = value.partition("/")
    return int(index), int(count)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: '{value}' is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Renew due subscriptions, send reminders, suspend and cancel overdue packages."
    # The system checks import every URL and view (half a second at each start, in each
    # process of a parallel run) and check nothing the run depends on; `fairbill check`
    # runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_date, help="Billing date (default: today).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be invoiced; write and send nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Customers per transaction (default {BATCH_SIZE}).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="On PostgreSQL, share the run between this many processes (e.g. the number "
            "of cores). SQLite always uses one.",
        )
        parser.add_argument("--share", type=_share, default=(0, 1), help=argparse.SUPPRESS)
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the counts as one JSON line instead of the summary.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or clock.today()
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        show = not options["no_progress"] and sys.stderr.isatty()
        bar = tqdm(
            total=0, unit="customer", desc=f"Billing {as_of}", disable=not show, file=sys.stderr
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        actor = Actor.system("billing run (command)")
        if options["share"] != (0, 1):  # one of several processes started by --processes
            report = billing_run(
                as_of=as_of,
                actor=actor,
                batch_size=options["batch_size"],
                record=False,
                share=options["share"],
            )
        elif options["processes"] > 1 and not options["dry_run"]:
            report = billing_run_parallel(
                as_of=as_of,
                actor=actor,
                processes=options["processes"],
                batch_size=options["batch_size"],
                progress=progress,
            )
        else:
            report = billing_run(
                as_of=as_of,
                actor=actor,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                progress=progress,
            )
        bar.close()
        if options["json"]:
            counts = {**report.counts(), "error_messages": report.errors}
            self.stdout.write(json.dumps({**counts, "not_done_ids": report.not_done}))
            return
        self._summary(report)
        problems = []
        if report.errors:
            problems.append(f"{len(report.errors)} customer(s) failed; see above.")
        if report.not_done:
            problems.append(
                f"{len(report.not_done)} customer(s) not billed: their record stayed locked by "
                f"another process for longer than the run waits (FAIRBILL_BILLING_LOCK_WAIT): "
                f"{', '.join(map(str, report.not_done[:50]))}"
                f"{' …' if len(report.not_done) > 50 else ''}. Run `fairbill bill` again."
            )
        if problems:
            raise CommandError(" ".join(problems))

    def _summary(self, report: RunReport) -> None:
        out = self.stdout
        title = "Dry run (nothing written)" if report.dry_run else "Billing run"
        out.write(f"{title} as of {report.as_of}: {report.customers} customer(s) looked at")
        if report.dry_run:
            for item in report.preview:
                out.write(
                    f"  would invoice {item['customer']} (#{item['customer_id']}): "
                    f"{item['total']} {item['currency']}"
                )
                for line in item["lines"]:
                    period = (
                        f" [{line['period_start']} – {line['period_end']}]"
                        if line["period_end"]
                        else ""
                    )
                    out.write(f"      {line['description']}{period}: {line['amount']}")
        totals = ", ".join(f"{v} {k}" for k, v in sorted(report.total_amount.items())) or "0"
        credit = ", ".join(f"{v} {k}" for k, v in sorted(report.credit_applied.items())) or "0"
        out.write(f"  invoices created: {report.invoices_created} (total {totals})")
        out.write(f"  credit applied:   {credit}")
        out.write(f"  reminders sent:   {report.reminders}")
        out.write(f"  suspensions:      {report.suspensions}")
        out.write(f"  cancellations:    {report.cancellations}")
        out.write(f"  errors:           {len(report.errors)}")
        out.write(f"  not billed (locked elsewhere): {len(report.not_done)}")
        for error in report.errors:
            self.stderr.write(f"  {error}")
