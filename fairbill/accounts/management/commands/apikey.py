"""`fairbill apikey create|list|revoke`: API keys for scripts, acting as a staff user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fairbill.accounts.models import ApiKey, User
from fairbill.accounts.services import api_key_create, api_key_revoke
from fairbill.core.actors import Actor
from fairbill.core.errors import FairbillError

ACTOR = Actor.system("apikey command")


class Command(BaseCommand):
    help = "Create, list and revoke API keys (only a hash of each key is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="{create,list,revoke}")
        sub.required = True
        create = sub.add_parser("create", help="Create a key; the key is printed once.")
        create.add_argument("--staff", required=True, metavar="USERNAME", help="Acts as this user.")
        create.add_argument("--name", default="", help="What the key is for, e.g. 'accounting'.")
        listing = sub.add_parser("list", help="List keys (never the keys themselves).")
        listing.add_argument("--all", action="store_true", help="Include revoked keys.")
        revoke = sub.add_parser("revoke", help="Revoke a key by its prefix (shown by list).")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["staff"], options["name"])
        elif action == "list":
            self._list(options["all"])
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, name: str) -> None:
        user = User.objects.filter(username__iexact=username.strip(), is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff user '{username}'.")
        try:
            key, raw = api_key_create(actor=ACTOR, user=user, name=name)
        except FairbillError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"API key '{key.name}' created for {user.username}."))
        self.stdout.write("")
        self.stdout.write(f"    {raw}")
        self.stdout.write("")
        self.stdout.write("Copy it now: it is shown only this once (only a hash is stored).")
        self.stdout.write("Send it in the Authorization header, for example:")
        self.stdout.write(
            f'    curl -H "Authorization: Bearer {raw}" {settings.SITE_URL}/api/v1/settings'
        )

    def _list(self, include_revoked: bool) -> None:
        keys = ApiKey.objects.select_related("user").order_by("created_at", "id")
        if not include_revoked:
            keys = keys.filter(revoked_at__isnull=True)
        rows = [
            (
                key.prefix,
                key.name,
                key.user.username,
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never",
                f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active",
            )
            for key in keys
        ]
        if not rows:
            self.stdout.write("No API keys.")
            return
        header = ("PREFIX", "NAME", "STAFF", "CREATED", "LAST USED", "STATUS")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())

    def _revoke(self, prefix: str) -> None:
        prefix = prefix.strip()
        if len(prefix) < 4:
            raise CommandError("Give the key's prefix as shown by 'fairbill apikey list'.")
        matches = list(ApiKey.objects.filter(prefix__startswith=prefix[:10]))
        matches = [k for k in matches if prefix.startswith(k.prefix) or k.prefix.startswith(prefix)]
        if not matches:
            raise CommandError(f"No API key with prefix '{prefix}'.")
        if len(matches) > 1:
            raise CommandError(f"Several keys start with '{prefix}': give more characters.")
        key = matches[0]
        if key.revoked_at is not None:
            self.stdout.write(f"API key {key.prefix} ({key.name}) was already revoked.")
            return
        api_key_revoke(actor=ACTOR, key=key)
        self.stdout.write(self.style.SUCCESS(f"API key {key.prefix} ({key.name}) revoked."))
