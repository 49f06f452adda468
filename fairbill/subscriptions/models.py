from __future__ import annotations

from django.db import models

from fairbill.catalog.models import Cycle, Option, OptionChoice, Package
from fairbill.customers.models import Customer, PaymentMethod, Status


class Subscription(models.Model):
    """A package a customer ordered: what the billing run renews.

    The current period is [renewed_on, renewal_date); renewal_date is the start of the next
    period to bill. Price and setup fee are copied from the catalog at order time and may be
    edited; an edited cycle waits in `pending_cycle` until the next renewal.
    """

    class SuspendedBy(models.TextChoices):
        NONE = "", "-"
        NONPAYMENT = "nonpayment", "Non-payment"
        STAFF = "staff", "Staff"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="subscriptions")
    cycle = models.CharField(max_length=15, choices=Cycle.choices)
    pending_cycle = models.CharField(max_length=15, choices=Cycle.choices, blank=True)
    currency = models.CharField(max_length=3)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    setup_fee = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    setup_fee_billed = models.BooleanField(default=False)
    start_date = models.DateField()
    renewal_date = models.DateField(null=True, blank=True, help_text="Next period to bill.")
    renewed_on = models.DateField(null=True, blank=True, help_text="Start of the current period.")
    billing_day = models.PositiveSmallIntegerField()
    payment_method = models.CharField(
        max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    suspended_by = models.CharField(
        max_length=12, choices=SuspendedBy.choices, blank=True, default=""
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["customer", "id"]
        indexes = [
            models.Index(fields=["status", "renewal_date"]),
            models.Index(fields=["renewal_date", "id"], name="subscription_renewal"),
            # The dashboard's counts per status and monthly recurring revenue, summed from the
            # index alone on PostgreSQL (the included columns are ignored elsewhere).
            models.Index(
                fields=["status", "currency", "cycle", "package"],
                include=["price", "id"],
                name="subscription_revenue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(billing_day__gte=1, billing_day__lte=31),
                name="subscription_billing_day_in_month",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0, setup_fee__gte=0),
                name="subscription_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package} ({self.get_cycle_display()}) for {self.customer}"


class SubscriptionOption(models.Model):
    """An option on a subscription with its unit price (copied from the catalog)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="options")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="+")
    choice = models.ForeignKey(
        OptionChoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    setup_fee = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["subscription", "id"]
        indexes = [
            # Monthly recurring revenue: the options' amounts read from the index alone.
            models.Index(
                fields=["subscription"],
                include=["unit_price", "quantity"],
                name="option_revenue",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "option"], name="option_once_per_subscription"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="option_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.option}: {self.choice.name}" if self.choice else str(self.option)
        return f"{label} × {self.quantity}" if self.quantity != 1 else label


class PackageChange(models.Model):
    """An upgrade or downgrade (or cycle change) made immediately with a prorated invoice
    or credit: kept as history and shown on the customer page."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="changes")
    from_package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    to_package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    from_cycle = models.CharField(max_length=15, choices=Cycle.choices)
    to_cycle = models.CharField(max_length=15, choices=Cycle.choices)
    from_recurring = models.DecimalField(max_digits=14, decimal_places=2)
    to_recurring = models.DecimalField(max_digits=14, decimal_places=2)
    charged = models.DecimalField(max_digits=14, decimal_places=2)
    as_of = models.DateField()
    effective = models.DateField()
    period_start = models.DateField(help_text="The current period after the change.")
    period_end = models.DateField()
    left_days = models.PositiveIntegerField()
    total_days = models.PositiveIntegerField()
    net = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    setup_fee = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    credit = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_package} → {self.to_package} on {self.effective}"

    @property
    def direction(self) -> str:
        if self.to_recurring == self.from_recurring and self.from_cycle == self.to_cycle:
            return "change"
        return "upgrade" if self.net > 0 else "downgrade"
