from __future__ import annotations

from django.db import models
from django_countries.fields import CountryField

from fairbill.core.models import RATE_VALIDATORS


class Cycle(models.TextChoices):
    ONE_TIME = "one_time", "One time"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMI_ANNUALLY = "semi_annually", "Semi-annually"
    ANNUALLY = "annually", "Annually"
    BIENNIALLY = "biennially", "Biennially"
    TRIENNIALLY = "triennially", "Triennially"


class Package(models.Model):
    """What is sold (Bronze, Silver, Gold), priced per cycle and currency."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Inactive packages can't be ordered.")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class PackagePrice(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="prices")
    cycle = models.CharField(max_length=15, choices=Cycle.choices)
    currency = models.CharField(max_length=3)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    setup_fee = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["package", "currency", "cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "cycle", "currency"], name="package_price_once_per_cycle"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0, setup_fee__gte=0),
                name="package_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package} {self.cycle} {self.price} {self.currency}"


class Option(models.Model):
    """An add-on offered with some packages: a checkbox, a quantity, or a choice."""

    class Kind(models.TextChoices):
        CHECKBOX = "checkbox", "Checkbox"
        QUANTITY = "quantity", "Quantity"
        CHOICE = "choice", "Choice"

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHECKBOX)
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. GB, for quantity options")
    max_quantity = models.PositiveIntegerField(default=1000)
    packages = models.ManyToManyField(Package, related_name="options", blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OptionChoice(models.Model):
    """One of the values of a choice option (e.g. Standard / Priority), priced on its own."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="choices")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["option", "id"]
        constraints = [
            models.UniqueConstraint(fields=["option", "name"], name="option_choice_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.option}: {self.name}"


class OptionPrice(models.Model):
    """Price of an option (per unit for quantity options; per choice for choice options)."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="prices")
    choice = models.ForeignKey(
        OptionChoice, null=True, blank=True, on_delete=models.CASCADE, related_name="prices"
    )
    cycle = models.CharField(max_length=15, choices=Cycle.choices)
    currency = models.CharField(max_length=3)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    setup_fee = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["option", "choice", "currency", "cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["option", "cycle", "currency"],
                condition=models.Q(choice__isnull=True),
                name="option_price_once_per_cycle",
            ),
            models.UniqueConstraint(
                fields=["option", "choice", "cycle", "currency"],
                condition=models.Q(choice__isnull=False),
                name="option_choice_price_once_per_cycle",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0, setup_fee__gte=0), name="option_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.option} {self.cycle} {self.price} {self.currency}"


class TaxRate(models.Model):
    """A tax rate for a country, optionally narrowed to a region (county/state)."""

    country = CountryField()
    region = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=50, help_text="e.g. VAT")
    rate = models.DecimalField(
        max_digits=7, decimal_places=4, validators=RATE_VALIDATORS, help_text="percent, e.g. 20"
    )

    class Meta:
        ordering = ["country", "region"]
        constraints = [
            models.UniqueConstraint(fields=["country", "region"], name="tax_rate_once_per_place"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=100), name="tax_rate_percent"
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.country.code}-{self.region}" if self.region else self.country.code
        return f"{self.name} {self.rate.normalize()}% ({where})"


class OrderForm(models.Model):
    """A public order page offering some packages and options (served at /order/<slug>)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    packages = models.ManyToManyField(Package, related_name="order_forms")
    options = models.ManyToManyField(Option, related_name="order_forms", blank=True)
    cycles = models.JSONField(
        default=list, blank=True, help_text="Cycles offered; empty = all priced."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
