"""Time billing: customers' hourly rates and the time entries billed (each one at most once,
whatever its source: Basecamp or a CSV file)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from fairbill.customers.models import Customer
from fairbill.invoicing.models import Invoice


class HourlyRate(models.Model):
    """A customer's default hourly rate for time invoices (in the customer's currency)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="hourly_rate")
    rate = models.DecimalField(max_digits=12, decimal_places=4)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "basecamp_hourlyrate"  # created by the Basecamp app, moved with its rows

    def __str__(self) -> str:
        return f"{self.rate} {self.customer.currency}/h"


class BilledEntry(models.Model):
    """A time entry billed on an invoice. (source, external_id) is unique: an entry is billed
    once. Rows whose invoice was voided are deleted, under the customer lock, before the next
    time invoice for that customer, which gives the entry back."""

    class Source(models.TextChoices):
        BASECAMP = "basecamp"
        CSV = "csv"

    source = models.CharField(max_length=10, choices=Source.choices)
    external_id = models.CharField(max_length=64)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="billed_time_entries"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="time_entries")
    entry_date = models.DateField()
    hours = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(0))
    description = models.CharField(max_length=500, blank=True)
    project = models.CharField(max_length=300, blank=True)
    person = models.CharField(max_length=200, blank=True)
    entry_updated_at = models.DateTimeField(null=True, blank=True)
    billed_at = models.DateTimeField()

    class Meta:
        db_table = "basecamp_billedentry"  # created by the Basecamp app, moved with its rows
        verbose_name = "billed time entry"
        verbose_name_plural = "billed time entries"
        ordering = ["entry_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="time_entry_billed_once"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "invoice"], name="basecamp_bi_custome_71ce52_idx")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
