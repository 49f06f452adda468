"""`fairbill demo [--if-empty]`: load demo data once and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairbill.core.errors import FairbillError
from fairbill.demo.services import demo_load


class Command(BaseCommand):
    help = (
        "Load demo data (a small hosting business, its catalogue, customers and staff). "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has customers.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_load(if_empty=options["if_empty"])
        except FairbillError as exc:
            raise CommandError(f"Demo data not loaded: {exc.message}") from None
        style = self.style.SUCCESS if result.loaded else self.style.NOTICE
        self.stdout.write(style(result.message))
        if result.counts:
            self.stdout.write(
                "Totals: " + ", ".join(f"{what} {n}" for what, n in result.counts.items())
            )
        if result.logins:
            self.stdout.write("")
            self.stdout.write("Demo logins (demo passwords: change them before real use):")
            for login in result.logins:
                note = f" ({login.note})" if login.note else ""
                self.stdout.write(
                    f"  {login.area:<12} {login.url:<36} {login.username} / {login.password}{note}"
                )
