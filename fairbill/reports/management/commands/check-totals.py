"""`fairbill check-totals [--fix]`: the daily totals kept by the money services against a
recomputation from the invoices and payments."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from fairbill.reports.totals import MEASURE_COUNT, totals_differences, totals_rebuild

SHOWN = 100  # differences printed; the count says how many there are


class Command(BaseCommand):
    help = (
        "Compare the daily totals the dashboard and reports read with a recomputation from "
        "the invoices and payments; exit 1 on any difference. --fix rewrites them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Rewrite the daily totals from the recomputation (in one transaction).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        show = not options["no_progress"] and sys.stderr.isatty()
        bar = tqdm(
            total=MEASURE_COUNT, unit="measure", desc="Checking", disable=not show, file=sys.stderr
        )

        def progress(measure: str) -> None:
            bar.set_postfix_str(measure)
            bar.update(1)

        found = totals_differences(progress=progress)
        bar.close()
        for difference in found[:SHOWN]:
            self.stdout.write(difference.describe())
        if len(found) > SHOWN:
            self.stdout.write(f"… and {len(found) - SHOWN} more.")
        if not found:
            self.stdout.write("The daily totals match a recomputation.")
            return
        if not options["fix"]:
            raise CommandError(
                f"{len(found)} daily total(s) differ from a recomputation. "
                "Run `fairbill check-totals --fix` to rewrite them."
            )
        with transaction.atomic():
            written = totals_rebuild()
        self.stdout.write(
            f"{len(found)} daily total(s) differed: rewrote the daily totals "
            f"({written} rows) from the recomputation."
        )
