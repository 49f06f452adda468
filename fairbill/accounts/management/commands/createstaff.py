"""`fairbill createstaff`: create a staff user, from flags or by answering prompts."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairbill.accounts.models import PRIVILEGES
from fairbill.accounts.services import staff_create
from fairbill.core.actors import Actor
from fairbill.core.errors import FairbillError


class Command(BaseCommand):
    help = (
        "Create a staff user. Without flags on a terminal, asks for each value. "
        f"Privileges: {', '.join(PRIVILEGES)} (default: all, an administrator)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username")
        parser.add_argument("--email", default=None)
        password = parser.add_mutually_exclusive_group()
        password.add_argument(
            "--password", help="The password (visible in the process list: prefer a prompt)."
        )
        password.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )
        parser.add_argument(
            "--privileges",
            help="Comma-separated areas, e.g. customers,invoices (default: all).",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt; fail if a value is missing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = options["interactive"] and sys.stdin.isatty()
        username = options["username"]
        email = options["email"]
        password = options["password"]
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            interactive = False  # stdin is taken by the password
        if username is None:
            username = self._ask("Username", interactive, "--username")
        if email is None:
            email = self._ask("Email address", interactive, "--email", required=False)
        if not password:
            if not interactive:
                raise CommandError("Give a password with --password or --password-stdin.")
            password = self._ask_password()
        privileges = self._privileges(options["privileges"])

        try:
            user = staff_create(
                actor=Actor.system("createstaff"),
                username=username,
                email=email or "",
                password=password,
                privileges=privileges,
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except FairbillError as exc:
            raise CommandError(exc.message) from None
        role = "administrator" if user.is_administrator else ", ".join(user.privileges)
        self.stdout.write(self.style.SUCCESS(f"Staff user '{user.username}' created ({role})."))

    def _ask(self, label: str, interactive: bool, flag: str, required: bool = True) -> str:
        if not interactive:
            if required:
                raise CommandError(f"Give {flag} (or run on a terminal to be asked).")
            return ""
        while True:
            value = input(f"{label}: ").strip()
            if value or not required:
                return value
            self.stderr.write(f"{label} can't be empty.")

    def _ask_password(self) -> str:
        while True:
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
            if first != second:
                self.stderr.write("The passwords don't match. Try again.")
            elif not first:
                self.stderr.write("The password can't be empty.")
            else:
                return first

    def _privileges(self, value: str | None) -> list[str]:
        if value is None or value.strip().lower() in {"all", "administrator"}:
            return list(PRIVILEGES)
        wanted = [item.strip().lower() for item in value.split(",") if item.strip()]
        if not wanted:
            raise CommandError("Give at least one privilege, or 'all' for an administrator.")
        unknown = sorted(set(wanted) - set(PRIVILEGES))
        if unknown:
            raise CommandError(
                f"Unknown privilege {', '.join(unknown)}: choose from {', '.join(PRIVILEGES)}."
            )
        return wanted
