from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models.functions import Round

from fairbill.customers.models import Customer


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        UNPAID = "unpaid"
        PAID = "paid"
        CREDITED = "credited"  # credited in full by credit notes
        VOID = "void"

    class TaxTreatment(models.TextChoices):
        STANDARD = "standard"
        REVERSE_CHARGE = "reverse_charge", "Reverse charge"
        EXEMPT = "exempt"
        OUTSIDE_SCOPE = "outside_scope", "Outside the scope of VAT"
        OSS = "oss", "OSS (customer's country rate)"

    class Kind(models.TextChoices):
        SIGNUP = "signup"
        RENEWAL = "renewal"
        CHANGE = "change"
        MANUAL = "manual"
        TIME = "time"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    sequence = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    credit_applied = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    # The total of its credit notes (never more than `total`), and of that the part that gave
    # back money already paid or credit already applied (as account credit or a refund):
    # balance = total - credit_applied - amount_paid - credited + credit_returned.
    credited = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal(0), db_default=Decimal(0)
    )
    credit_returned = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal(0), db_default=Decimal(0)
    )
    # Who was billed and by whom, as on the day of issue (issued invoices never change).
    bill_to = models.JSONField(default=dict, blank=True)
    seller = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    # How VAT was treated, decided at issue (invoicing/tax_treatment.py), and the wording
    # printed for it (reverse charge and its legal basis, the exemption reason...).
    tax_treatment = models.CharField(
        max_length=20,
        choices=TaxTreatment.choices,
        default=TaxTreatment.STANDARD,
        db_default=TaxTreatment.STANDARD,
    )
    tax_note = models.CharField(max_length=300, blank=True, default="", db_default="")
    # The VATEX code of an exemption or reverse charge, for e-invoices.
    tax_exemption_code = models.CharField(max_length=30, blank=True, default="", db_default="")
    created_at = models.DateTimeField()
    paid_on = models.DateField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        # One index per filter and ordering the lists and reports offer (see
        # docs/performance.md); INCLUDE columns let PostgreSQL sum without reading the table.
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["issue_date", "id"], name="invoice_issued"),
            models.Index(fields=["status", "issue_date", "id"], name="invoice_status_issued"),
            models.Index(fields=["customer", "issue_date", "id"], name="invoice_customer_issued"),
            models.Index(
                fields=["currency", "issue_date"],
                include=["status", "subtotal"],
                name="invoice_currency_issued",
            ),
            models.Index(
                fields=["currency", "status", "paid_on"],
                include=["subtotal", "tax", "total"],
                name="invoice_currency_paid",
            ),
            models.Index(
                fields=["currency", "status", "due_date"],
                include=["balance"],
                name="invoice_currency_due",
            ),
            # The paid-invoices report's "credited" total: the few paid invoices with credit
            # notes (an invoice issued by the billing run is not in it).
            models.Index(
                fields=["currency", "paid_on"],
                include=["credited"],
                condition=models.Q(status="paid", credited__gt=0),
                name="invoice_paid_credited",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                # Rounded because SQLite compares decimals as floating point.
                condition=models.Q(status="void")
                | models.Q(
                    balance=Round(
                        models.F("total")
                        - models.F("credit_applied")
                        - models.F("amount_paid")
                        - models.F("credited")
                        + models.F("credit_returned"),
                        2,
                    )
                ),
                name="invoice_balance_is_total_less_paid_and_credited",
            ),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0, credit_applied__gte=0, amount_paid__gte=0),
                name="invoice_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(credited__gte=0, credit_returned__gte=0)
                & models.Q(credited__lte=models.F("total")),
                name="invoice_credited_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(number__isnull=False),
                name="issued_invoice_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft #{self.pk}"

    def is_overdue(self, as_of) -> bool:  # noqa: ANN001
        """Unpaid and past its due date: invoicing.selectors.overdue in a query."""
        return (
            self.status == self.Status.UNPAID
            and self.due_date is not None
            and as_of > self.due_date
        )


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        PACKAGE = "package"
        OPTION = "option"
        SETUP = "setup"
        CHANGE = "change"
        MANUAL = "manual"
        TIME = "time"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_name = models.CharField(max_length=50, blank=True)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal(0))
    subscription = models.ForeignKey(
        "subscriptions.Subscription",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # Set when a credit note credited this package line in full and staff chose to reverse
    # the renewal: the period may then be billed again (its amounts never change).
    period_reversed = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            # A subscription's period is billed once, whatever runs how often (unless a
            # credit note reversed that billing).
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                condition=models.Q(kind="package", period_reversed=False),
                name="period_billed_once",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class InvoiceTax(models.Model):
    """Tax per rate on an invoice, computed once on the sum of net amounts at that rate."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="taxes")
    name = models.CharField(max_length=50)
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice", "rate"]

    def __str__(self) -> str:
        return f"{self.name} {self.rate}%: {self.tax}"


class CreditNote(models.Model):
    """A numbered document crediting all or part of an issued invoice (never a negative
    invoice). Its lines, tax and totals never change once issued; `to_balance`, `to_credit`
    and `refunded` say where its total went (they add up to it)."""

    class RefundMethod(models.TextChoices):
        """How the money went back: by hand (REFUND_BY_HAND: what staff may record on a
        credit note), or, for a payment refunded (payments/refunds.py), the payment's own
        way (at the gateway for a card or Direct Debit)."""

        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CASH = "cash"
        CHEQUE = "cheque", "Cheque"
        CARD = "card", "Card"
        DIRECT_DEBIT = "direct_debit", "Direct Debit"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_notes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=40, unique=True)
    sequence = models.PositiveBigIntegerField(unique=True)
    currency = models.CharField(max_length=3)
    issue_date = models.DateField()
    reason = models.CharField(max_length=300)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    # Where the total went: off the invoice's balance, to account credit, refunded.
    to_balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    to_credit = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    refunded = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    refund_method = models.CharField(max_length=20, choices=RefundMethod.choices, blank=True)
    refund_date = models.DateField(null=True, blank=True)
    refund_reference = models.CharField(max_length=200, blank=True)
    reversed_renewal = models.BooleanField(default=False)
    bill_to = models.JSONField(default=dict, blank=True)
    seller = models.JSONField(default=dict, blank=True)
    tax_treatment = models.CharField(max_length=20, choices=Invoice.TaxTreatment.choices)
    tax_note = models.CharField(max_length=300, blank=True, default="")
    tax_exemption_code = models.CharField(max_length=30, blank=True, default="")
    # A form's one-time token (or a caller's key): the same submission issues one note.
    request_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["customer", "issue_date", "id"], name="creditnote_customer"),
            models.Index(fields=["issue_date", "id"], name="creditnote_issued"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gt=0, subtotal__gte=0, tax__gte=0),
                name="credit_note_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(to_balance__gte=0, to_credit__gte=0, refunded__gte=0)
                & models.Q(
                    total=Round(
                        models.F("to_balance") + models.F("to_credit") + models.F("refunded"), 2
                    )
                ),
                name="credit_note_total_accounted_for",
            ),
        ]

    def __str__(self) -> str:
        return self.number


# Refunds staff record by hand on a credit note (forms, API); the others come from refunds.
REFUND_BY_HAND = (CreditNote.RefundMethod.BANK_TRANSFER, CreditNote.RefundMethod.CASH)


class CreditNoteLine(models.Model):
    """What a credit note credits of one invoice line: a quantity at the line's unit price,
    or an amount. Its tax rate is the invoice line's. Negative only for a discount line,
    credited with the whole invoice."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="credit_note_lines"
    )
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_name = models.CharField(max_length=50, blank=True)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal(0))

    class Meta:
        ordering = ["credit_note", "position", "id"]

    def __str__(self) -> str:
        return self.description


class CreditNoteTax(models.Model):
    """Tax per rate on a credit note, on the summed net at that rate, rounded once."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="taxes")
    name = models.CharField(max_length=50)
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["credit_note", "rate"]

    def __str__(self) -> str:
        return f"{self.name} {self.rate}%: {self.tax}"


class InvoiceReminder(models.Model):
    """A reminder sent for an invoice at an offset from its due date (sent once each)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    offset_days = models.SmallIntegerField()
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "offset_days"], name="reminder_once_per_offset"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice} reminder {self.offset_days:+d}"


class Estimate(models.Model):
    """A quote: drafted, sent to the customer, then accepted (it becomes an invoice, once:
    `invoice` is set in the same transaction) or declined. Past `valid_until` it can't be
    accepted (shown as expired; no status of its own, it depends on the day)."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        SENT = "sent"
        ACCEPTED = "accepted"
        DECLINED = "declined"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="estimates")
    number = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3)
    issue_date = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    notes = models.TextField(blank=True)
    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="estimate"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["issue_date", "id"], name="estimate_issued"),
            models.Index(fields=["status", "issue_date", "id"], name="estimate_status_issued"),
            models.Index(fields=["customer", "issue_date", "id"], name="estimate_customer_issued"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="accepted", invoice__isnull=False)
                | (~models.Q(status="accepted") & models.Q(invoice__isnull=True)),
                name="estimate_accepted_has_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def is_expired(self, as_of) -> bool:  # noqa: ANN001
        """Still open (draft or sent) and past its valid-until day."""
        return (
            self.status in (self.Status.DRAFT, self.Status.SENT)
            and self.valid_until is not None
            and as_of > self.valid_until
        )

    def is_open(self, as_of) -> bool:  # noqa: ANN001
        """Waiting for the customer's answer: sent (or draft) and not expired."""
        return self.status in (self.Status.DRAFT, self.Status.SENT) and not self.is_expired(as_of)


class EstimateLine(models.Model):
    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_name = models.CharField(max_length=50, blank=True)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal(0))

    class Meta:
        ordering = ["estimate", "position", "id"]

    def __str__(self) -> str:
        return self.description


class BillingRun(models.Model):
    """One run of the billing run and what it did."""

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"
        # its process is gone (killed, machine restarted): counts are what it had committed
        INTERRUPTED = "interrupted"

    as_of = models.DateField()
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written with each committed batch: a running run whose heartbeat is old, or whose
    # process on this host is gone, is shown as interrupted (invoicing/run_records.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    not_done = models.JSONField(
        default=list,
        blank=True,
        help_text="Customers left unbilled: their record stayed locked by someone else.",
    )
    actor_label = models.CharField(max_length=200)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True, help_text="Dry run: what would be billed.")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Billing run as of {self.as_of}{' (dry run)' if self.dry_run else ''}"
