"""Basecamp integration: the connection (tokens encrypted at rest), links between Fairbill
customers and Basecamp people or companies, linked projects with their hourly rates, and the
time entries already billed (each one at most once, whatever its source)."""

from __future__ import annotations

from django.db import models

from fairbill.customers.models import Customer


class Connection(models.Model):
    """The one Basecamp connection of this installation (pk=1). Tokens and the client
    secret are stored encrypted (see crypto.py); nothing here is ever logged."""

    client_id = models.CharField(max_length=200, blank=True)
    client_secret_encrypted = models.TextField(blank=True)
    redirect_uri = models.URLField(max_length=500, blank=True)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True)
    account_name = models.CharField(max_length=200, blank=True)
    account_href = models.URLField(max_length=500, blank=True)
    # Accounts offered by Launchpad after authorisation, until the staff member picks one.
    accounts = models.JSONField(default=list, blank=True)
    identity_name = models.CharField(max_length=200, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.account_name or "Basecamp"

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret_encrypted and self.redirect_uri)

    @property
    def has_tokens(self) -> bool:
        return bool(self.access_token_encrypted)

    @property
    def is_connected(self) -> bool:
        return self.has_tokens and self.account_id is not None


class Link(models.Model):
    """A Fairbill customer stands for a Basecamp client company or client person."""

    class Kind(models.TextChoices):
        COMPANY = "company"
        PERSON = "person"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="basecamp_links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    basecamp_id = models.BigIntegerField()
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "Basecamp link"
        constraints = [
            models.UniqueConstraint(fields=["kind", "basecamp_id"], name="basecamp_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.basecamp_id} → customer {self.customer_id}"


class Project(models.Model):
    """A Basecamp project whose time is billed to a customer, optionally at its own rate."""

    basecamp_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=300)
    client_company_id = models.BigIntegerField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="basecamp_projects"
    )
    hourly_rate = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, help_text="Empty: the customer's."
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "Basecamp project"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
