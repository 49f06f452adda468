from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_countries.fields import CountryField


def default_charge_retry_days() -> list[int]:
    return [3, 5, 7]


class BusinessSettings(models.Model):
    """The business's own details and billing settings: one row (pk=1), edited by staff."""

    company_name = models.CharField(max_length=200, default="My Business")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("county / state", max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = CountryField(blank=True)
    vat_number = models.CharField("VAT number", max_length=30, blank=True)
    company_number = models.CharField("company registration number", max_length=50, blank=True)
    company_number_scheme = models.CharField(
        "registration number scheme",
        max_length=4,
        blank=True,
        default="",
        db_default="",
        help_text="ISO 6523 ICD code of the register, if e-invoices need it (e.g. 0002 SIREN).",
    )
    electronic_address = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="Where buyers' software sends e-invoices to you, e.g. your Peppol id. Empty: "
        "your email address.",
    )
    electronic_address_scheme = models.CharField(
        "electronic address scheme",
        max_length=4,
        blank=True,
        default="",
        db_default="",
        help_text="EAS code, e.g. 0088 GLN, 0208 Belgian enterprise number, 9930 German VAT.",
    )
    logo = models.ImageField(upload_to="logo/", blank=True)
    terms_url = models.URLField("terms & conditions URL", blank=True)
    payment_instructions = models.TextField(
        blank=True, help_text="Shown on invoices and in My Account, e.g. bank details."
    )
    bank_account_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    iban = models.CharField(
        "IBAN",
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text="For bank transfers; put in e-invoices.",
    )
    bic = models.CharField("BIC", max_length=11, blank=True, default="", db_default="")

    currency = models.CharField(max_length=3, default="GBP")
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)

    invoice_prefix = models.CharField(max_length=20, blank=True, default="INV-")
    invoice_start_number = models.PositiveIntegerField(default=1)
    invoice_number_padding = models.PositiveSmallIntegerField(
        default=5, validators=[MaxValueValidator(12)]
    )
    credit_note_prefix = models.CharField(
        max_length=20, blank=True, default="CN-", db_default="CN-"
    )
    credit_note_start_number = models.PositiveIntegerField(default=1, db_default=1)
    payment_terms_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(365)]
    )
    invoice_days_before_renewal = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(365)]
    )
    auto_apply_credit = models.BooleanField(default=True)
    credit_on_downgrade = models.BooleanField(default=True)
    reminder_days = models.JSONField(
        default=list, blank=True, help_text="Days relative to the due date, e.g. [-3, 0, 3, 7]."
    )
    charge_retry_days = models.JSONField(
        default=default_charge_retry_days,
        blank=True,
        help_text="Days after the due date on which a declined automatic charge is tried "
        "again, e.g. [3, 5, 7].",
    )
    suspend_days_after_due = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(3650)], help_text="0 = never"
    )
    cancel_days_after_due = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(3650)], help_text="0 = never"
    )
    order_email = models.EmailField("order notification address", blank=True)
    order_return_url = models.URLField(blank=True)
    attach_pdf = models.BooleanField("attach PDF to invoice emails", default=True)
    date_window_years = models.PositiveSmallIntegerField(
        "date window (years)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Dates typed for payments, credit, packages and invoices must be within this "
        "many years of today.",
    )
    credit_confirm_above = models.DecimalField(
        "confirm credit above",
        max_digits=14,
        decimal_places=2,
        default=Decimal("1000"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Adding or removing more account credit than this asks staff to confirm "
        "(0 = always ask).",
    )
    einvoice_pdf = models.BooleanField(
        "invoice PDFs are Factur-X",
        default=True,
        db_default=True,
        help_text="PDF/A-3 with the EN 16931 (CII) XML inside, for the buyer's software.",
    )
    vat_check_max_age_days = models.PositiveSmallIntegerField(
        "VAT number check valid for (days)",
        default=30,
        db_default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="A reverse charge needs a valid check of the customer's number this recent.",
    )
    require_staff_2fa = models.BooleanField(
        "require two-factor authentication for staff", default=False
    )

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "business settings"
        verbose_name_plural = "business settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="settings_single_row")]

    def __str__(self) -> str:
        return self.company_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _loaded.set(None)

    @classmethod
    def load(cls) -> BusinessSettings:
        """The settings. During a request they are read once (a page asks for them several
        times: today's date in the business's time zone, the currency, the page's header);
        each caller gets its own copy, and saving them reads them again."""
        if not _remember.get():
            return cls.objects.get_or_create(pk=1)[0]
        found = _loaded.get()
        if found is None:
            found = cls.objects.get_or_create(pk=1)[0]
            _loaded.set(found)
        return copy.deepcopy(found)  # its lists too (reminder days, retry days)


# Set for the length of a request by core.middleware.settings_once_per_request.
_remember: ContextVar[bool] = ContextVar("settings_remembered", default=False)
_loaded: ContextVar[BusinessSettings | None] = ContextVar("settings_loaded", default=None)


@contextmanager
def settings_read_once() -> Iterator[None]:
    """Within the block, BusinessSettings.load() reads the database once."""
    remembering = _remember.set(True)
    loaded = _loaded.set(None)
    try:
        yield
    finally:
        _loaded.reset(loaded)
        _remember.reset(remembering)


class Event(models.Model):
    """Append-only audit record of a state change: who, when, what, before/after."""

    class ActorKind(models.TextChoices):
        STAFF = "staff"
        CUSTOMER = "customer"
        SYSTEM = "system"
        API = "api"

    at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=60, db_index=True)
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField()
    # The customer the event is about, when there is one, for the customer's history.
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["customer_id", "at", "id"], name="event_customer_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action}"

    @property
    def subject(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"


RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Counter(models.Model):
    """A gapless number sequence (invoices, estimates), locked in the issuing transaction."""

    name = models.CharField(max_length=20, primary_key=True)
    next_number = models.PositiveBigIntegerField(default=1)

    class Meta:
        db_table = "invoicing_counter"  # created by invoicing, moved here with its rows

    def __str__(self) -> str:
        return f"{self.name}: next {self.next_number}"


class DailyTotal(models.Model):
    """Sums per currency, per day, kept up to date in the transaction of each money operation
    (fairbill/core/totals.py), so the dashboard and the reports read a few hundred rows
    whatever the number of invoices. `fairbill check-totals` compares them with a
    recomputation from the invoices and payments.

    Amounts are in hundredths (every amount column has two decimal places): integer sums are
    exact on every database, where SQLite would add decimals as floating point."""

    class Measure(models.TextChoices):
        SALES = "sales", "Invoices issued, by issue date"
        TAX = "tax", "Tax of invoices issued, per tax and rate, by issue date"
        PAID = "paid", "Invoices paid in full, by the day paid"
        UNPAID = "unpaid", "Balances of unpaid invoices, by due date"
        PAYMENTS = "payments", "Payments received, per method, by the day received"
        CREDITED = "credited", "Credit notes issued, by issue date"
        CREDIT_TAX = "credit_tax", "Tax of credit notes issued, per tax and rate, by issue date"

    currency = models.CharField(max_length=3)
    measure = models.CharField(max_length=10, choices=Measure.choices)
    day = models.DateField()
    label = models.CharField(max_length=50, blank=True, default="")  # tax name, payment method
    rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal(0))
    count = models.BigIntegerField(default=0)
    net = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "measure", "day", "label", "rate"], name="daily_total_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.measure} {self.day} {self.label}: {self.count}"
