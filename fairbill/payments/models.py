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
    # A payment made through Stripe Checkout has the session's id as gateway_reference; its
    # PaymentIntent (what refunds and disputes name) is kept here. Empty for payments whose
    # reference is the PaymentIntent itself, and for Checkout payments recorded before it
    # was kept (docs/payments.md).
    gateway_intent = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["gateway", "gateway_intent"], name="payment_gateway_intent"),
            models.Index(fields=["customer", "received_on", "id"], name="payment_customer"),
            # The payments list (newest first), all methods and by method.
            models.Index(fields=["received_on", "id"], name="payment_received"),
            models.Index(fields=["method", "received_on", "id"], name="payment_method_received"),
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


class GatewayCustomer(models.Model):
    """The customer's record at a payment gateway (a Stripe Customer), which its saved
    methods are attached to."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "gateway"], name="gateway_customer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference}"


class SavedPaymentMethod(models.Model):
    """A card or Direct Debit mandate saved at the gateway for charging later. Only the
    gateway's ids and what a person needs to recognise it are kept, never card numbers.
    (Named so beside customers.PaymentMethod, the list of ways to pay.)"""

    class Kind(models.TextChoices):
        CARD = "card", "Card"
        SEPA_DEBIT = "sepa_debit", "SEPA Direct Debit"
        BACS_DEBIT = "bacs_debit", "Bacs Direct Debit"

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="saved_payment_methods"
    )
    gateway = models.CharField(max_length=20)
    reference = models.CharField(max_length=200, help_text="The gateway's id (pm_…).")
    gateway_customer = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    label = models.CharField(max_length=60, help_text="Brand or bank, e.g. Visa.")
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    mandate_reference = models.CharField(max_length=100, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    # when the customer was asked to replace the card before it expires (asked once)
    expiry_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "reference"], name="saved_method_once"),
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default=True, removed_at__isnull=True),
                name="one_default_method_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} •••• {self.last4}"

    @property
    def expires(self) -> str:
        if not (self.exp_month and self.exp_year):
            return ""
        return f"{self.exp_month:02d}/{self.exp_year}"


class PaymentAttempt(models.Model):
    """One try at charging an invoice to a saved method. Written and committed before the
    gateway is called; its id is the gateway's idempotency key, so a crash or a second runner
    never charges twice. At most one attempt per invoice is open (a partial unique index)."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled"
        SUBMITTED = "submitted"
        PENDING = "pending", "Pending (processing)"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        UNKNOWN = "unknown"

    OPEN = (State.SCHEDULED, State.SUBMITTED, State.PENDING, State.UNKNOWN)
    # The failure code of an attempt closed before the gateway was called because nothing
    # was left to charge (the invoice was paid meanwhile, by credit for example): it failed
    # nothing, so it is shown as "Not needed" and never counted among failed charges.
    NOT_NEEDED = "not_needed"
    # The failure code of an unknown attempt staff closed after finding at the gateway that
    # nothing was charged: the invoice goes back to the retry schedule (or to reminders).
    CLOSED = "closed_by_staff"
    CLOSED_CODES = (NOT_NEEDED, CLOSED)  # closed without a charge: nothing failed
    BADGES: dict[str, str] = {
        State.SCHEDULED: "pending",
        State.SUBMITTED: "pending",
        State.PENDING: "pending",
        State.UNKNOWN: "pending",
        State.SUCCEEDED: "success",
        State.FAILED: "failure",
    }

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="attempts")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    method = models.ForeignKey(SavedPaymentMethod, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(help_text="1 for the first try on the invoice.")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    gateway = models.CharField(max_length=20)
    payment_intent = models.CharField(max_length=200, null=True, blank=True)
    decline_code = models.CharField(max_length=60, blank=True)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    # A failure that retrying won't fix (a lost card, authentication needed): no more tries
    # until the customer acts.
    final = models.BooleanField(default=False)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
    )
    on = models.DateField(help_text="The business day of the try.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["invoice_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "number"], name="attempt_number_once"),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(state__in=["scheduled", "submitted", "pending", "unknown"]),
                name="one_open_attempt_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["gateway", "payment_intent"],
                condition=models.Q(payment_intent__isnull=False),
                name="attempt_intent_once",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="attempt_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "on"], name="attempt_state_on"),
            models.Index(fields=["on", "id"], name="attempt_on"),  # every attempt, newest first
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} on invoice {self.invoice_id}: {self.state}"

    @property
    def not_needed(self) -> bool:
        return self.state == self.State.FAILED and self.failure_code == self.NOT_NEEDED

    @property
    def closed(self) -> bool:
        """Closed without a charge, by Fairbill (not needed) or by staff: nothing failed."""
        return self.state == self.State.FAILED and self.failure_code in self.CLOSED_CODES

    @property
    def state_label(self) -> str:
        """The state as staff read it."""
        if self.closed:
            return "Not needed" if self.not_needed else "Closed, not charged"
        return self.get_state_display()

    @property
    def state_badge(self) -> str:
        """The badge's style: neutral for an attempt closed without a charge."""
        return "skipped" if self.closed else self.BADGES.get(self.state, "skipped")

    @property
    def idempotency_key(self) -> str:
        return f"fairbill-attempt-{self.pk}"


class Refund(models.Model):
    """Money given back on a payment (all or part), through the gateway for online ones."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=300)
    gateway_reference = models.CharField(max_length=200, null=True, blank=True)
    # The request that made it (the back-office form's one-time token, or the API's
    # Idempotency-Key): the same request refunds once.
    request_key = models.CharField(max_length=300, null=True, blank=True)
    created_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
            models.UniqueConstraint(
                fields=["payment", "request_key"],
                condition=models.Q(request_key__isnull=False),
                name="refund_request_once",
            ),
            models.UniqueConstraint(
                fields=["gateway_reference"],
                condition=models.Q(gateway_reference__isnull=False),
                name="refund_gateway_once",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} of payment {self.payment_id}"


class Dispute(models.Model):
    """A chargeback the customer's bank opened on a payment."""

    class Status(models.TextChoices):
        OPEN = "open"
        WON = "won"
        LOST = "lost"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    gateway_reference = models.CharField(max_length=200, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"dispute {self.gateway_reference} ({self.status})"


class WebhookEvent(models.Model):
    """The inbox of gateway webhooks, one row per event id: a repeated delivery is a no-op.
    `problem` keeps what could not be matched (unknown invoice or customer) for staff."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.type} {self.event_id}"
