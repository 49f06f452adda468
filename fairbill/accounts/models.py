from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models

# Staff privileges, one per back-office area. A staff user with all of them is an administrator.
# "staff" (staff users and API keys) is kept apart from "settings": who holds it can hand out
# only the privileges they hold themselves (docs/backoffice.md, accounts.services).
PRIVILEGES: dict[str, str] = {
    "customers": "Customers",
    "invoices": "Invoices and payments",
    "packages": "Packages and order forms",
    "settings": "Settings",
    "reports": "Reports",
    "login_as": "Log in as a customer",
    "staff": "Staff users and API keys",
}


class User(AbstractUser):
    """A login. Staff users have is_staff; customers' logins are linked from Customer.user
    and never get staff rights."""

    priv_customers = models.BooleanField("customers", default=False)
    priv_invoices = models.BooleanField("invoices", default=False)
    priv_packages = models.BooleanField("packages", default=False)
    priv_settings = models.BooleanField("settings", default=False)
    priv_reports = models.BooleanField("reports", default=False)
    priv_login_as = models.BooleanField("log in as customer", default=False)
    priv_staff = models.BooleanField("staff users and API keys", default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_staff=True)
                | models.Q(
                    priv_customers=False,
                    priv_invoices=False,
                    priv_packages=False,
                    priv_settings=False,
                    priv_reports=False,
                    priv_login_as=False,
                    priv_staff=False,
                    is_superuser=False,
                ),
                name="only_staff_have_privileges",
            )
        ]

    def has_privilege(self, area: str) -> bool:
        if area not in PRIVILEGES:
            raise ValueError(f"unknown privilege {area!r}")
        return bool(self.is_active and self.is_staff and getattr(self, f"priv_{area}"))

    @property
    def is_administrator(self) -> bool:
        return all(self.has_privilege(area) for area in PRIVILEGES)

    @property
    def privileges(self) -> list[str]:
        return [area for area in PRIVILEGES if self.has_privilege(area)]


class ApiKey(models.Model):
    """A key for scripts, acting as its staff user. Only a hash of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw_key: str) -> str:
        # Keys are 256 random bits, so a plain SHA-256 is enough (no password stretching).
        return hashlib.sha256(raw_key.encode()).hexdigest()


class LoginAttempt(models.Model):
    """Every login attempt, good or bad, for the login report. Never the password."""

    class Result(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"
        LOCKED = "locked"

    at = models.DateTimeField(db_index=True)
    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices)
    area = models.CharField(max_length=20, default="backoffice")  # backoffice, account, api
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["result", "at", "id"], name="login_result_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.result}"


class ThrottleCount(models.Model):
    """Failed attempts (logins, codes, password reset requests) from one address in one
    window, counted in the database so every process and machine sees the same count
    (accounts.throttle)."""

    scope = models.CharField(max_length=20)  # login, totp, password_reset
    ip_address = models.GenericIPAddressField()
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "ip_address", "window_start"], name="one_count_per_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.ip_address} {self.window_start:%H:%M}: {self.count}"
