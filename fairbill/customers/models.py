from __future__ import annotations

from django.conf import settings
from django.db import models
from django_countries.fields import CountryField


class Status(models.TextChoices):
    """Statuses shared by customers and subscriptions."""

    ACTIVE = "active"
    PENDING = "pending"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    ERROR = "error"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CHEQUE = "cheque", "Cheque"
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    DIRECT_DEBIT = "direct_debit", "Direct Debit"
    # Collected on the due date from the customer's default saved card or Direct Debit
    # mandate (payments/collection.py); the payments themselves are "card" or "direct_debit".
    AUTOMATIC = "automatic", "Automatic (saved card / Direct Debit)"


class VatCheckStatus(models.TextChoices):
    """What the tax authority's register said about the customer's VAT number.

    `unverified`: the check could not be made (service down, timeout); never read as invalid."""

    UNCHECKED = "unchecked"
    VALID = "valid"
    INVALID = "invalid"
    UNVERIFIED = "unverified"


class Customer(models.Model):
    name = models.CharField(max_length=200, help_text="The person or company billed.")
    company = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=50, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("county / state", max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = CountryField()
    currency = models.CharField(max_length=3)
    vat_applies = models.BooleanField("VAT applies", default=True)
    vat_number = models.CharField("VAT number", max_length=30, blank=True)
    # The last check of vat_number against VIES (EU) or HMRC (GB): the evidence for a
    # reverse charge. vat_check_number is the number that was checked.
    vat_check_status = models.CharField(
        max_length=10,
        choices=VatCheckStatus.choices,
        default=VatCheckStatus.UNCHECKED,
        db_default=VatCheckStatus.UNCHECKED,
    )
    vat_check_number = models.CharField(max_length=30, blank=True, default="", db_default="")
    vat_checked_at = models.DateTimeField(null=True, blank=True)
    vat_check_name = models.CharField(max_length=300, blank=True, default="", db_default="")
    vat_check_address = models.CharField(max_length=500, blank=True, default="", db_default="")
    vat_check_consultation = models.CharField(max_length=100, blank=True, default="", db_default="")
    vat_check_error = models.CharField(max_length=300, blank=True, default="", db_default="")
    # Unverified checks in a row: the worker retries with a growing delay (vat_retries.py).
    vat_check_retries = models.PositiveSmallIntegerField(default=0, db_default=0)
    # An exemption staff gave the customer: a VATEX code (e.g. VATEX-EU-132-1I) and its text.
    vat_exemption_code = models.CharField(
        "VAT exemption code", max_length=30, blank=True, default="", db_default=""
    )
    vat_exemption_reason = models.CharField(
        "VAT exemption reason", max_length=300, blank=True, default="", db_default=""
    )
    # E-invoice identifiers (EN 16931): where the customer's software receives e-invoices
    # (BT-49, e.g. a Peppol id), the reference their accounts want quoted (BT-10) and their
    # company registration (BT-47) with its ISO 6523 scheme.
    electronic_address = models.CharField(
        max_length=100, blank=True, default="", db_default="", help_text="Empty: their email."
    )
    electronic_address_scheme = models.CharField(
        "electronic address scheme", max_length=4, blank=True, default="", db_default=""
    )
    buyer_reference = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="Quoted on e-invoices (e.g. their purchase order or Leitweg-ID).",
    )
    company_number = models.CharField(
        "company registration number", max_length=50, blank=True, default="", db_default=""
    )
    company_number_scheme = models.CharField(
        "registration number scheme", max_length=4, blank=True, default="", db_default=""
    )
    payment_method = models.CharField(
        max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The dashboard's counts per status: read from the index alone on PostgreSQL.
            models.Index(
                fields=["status"],
                condition=models.Q(merged_into__isnull=True),
                name="customer_status_live",
            ),
            models.Index(fields=["email"]),
            models.Index(fields=["name", "id"], name="customer_name"),
            models.Index(fields=["status", "name", "id"], name="customer_status_name"),
            models.Index(fields=["created_at", "id"], name="customer_created"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerNote(models.Model):
    """A note on a customer; public notes are shown in My Account."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField()
    public = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:50]
