from __future__ import annotations

from django.conf import settings
from django.db import models

from fairbill.customers.models import Customer, PaymentMethod
from fairbill.invoicing.models import Invoice


class Payment(models.Model):
    """Money received from a customer, allocated to invoices; any excess becomes credit."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=200, blank=True)
    received_on = models.DateField()
    # For online payments: the gateway's id, unique so a webhook delivered twice records once.
    gateway = models.CharField(max_length=20, blank=True)
    gateway_reference = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "received_on", "id"], name="payment_customer"),
            models.Index(
                fields=["currency", "received_on"],
                include=["amount", "method"],
                name="payment_currency_received",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive"),
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"],
                condition=models.Q(gateway_reference__isnull=False),
                name="gateway_payment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.get_method_display()})"


class Allocation(models.Model):
    """The part of a payment that went to one invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.invoice}"


class CreditEntry(models.Model):
    """The account-credit ledger: positive entries add credit, negative ones use it.
    A customer's credit balance is the sum of its entries and never goes below zero."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added by staff"
        OVERPAYMENT = "overpayment", "Overpayment"
        DOWNGRADE = "downgrade", "Downgrade"
        APPLIED = "applied", "Applied to invoice"
        RELEASED = "released", "Returned from void invoice"
        CREDIT_NOTE = "credit_note", "Credit note"
        REMOVED = "removed", "Removed by staff"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_entries")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField(max_length=300, blank=True)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    created_on = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "credit entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="credit_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.kind}"
