from __future__ import annotations

from django.db import models

from fairbill.customers.models import Customer
from fairbill.notifications.defaults import DEFAULTS


class EmailTemplate(models.Model):
    """An email Fairbill sends, editable by staff. Subject and body are Django templates."""

    class Priority(models.TextChoices):
        HIGH = "high"
        NORMAL = "normal"
        LOW = "low"

    key = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=300)
    body_html = models.TextField("HTML body")
    from_email = models.CharField("From", max_length=254, blank=True)
    reply_to = models.CharField("Reply-To", max_length=254, blank=True)
    cc = models.CharField("CC", max_length=1000, blank=True, help_text="Comma-separated.")
    bcc = models.CharField("BCC", max_length=1000, blank=True, help_text="Comma-separated.")
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    active = models.BooleanField(default=True, help_text="Inactive emails are not sent.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmailLog(models.Model):
    """Every email queued, with what happened to it; a logged email can be sent again."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"  # claimed by a sender (notifications/outbox.py)
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    template = models.CharField(max_length=40)
    to = models.CharField(max_length=1000, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Emails queued together (a billing-run batch) share a batch id and one sending task.
    batch = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"]),
            # the outbox: emails not sent yet (a few rows among many)
            models.Index(
                fields=["created_at"],
                name="emaillog_unsent",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.status})"

    @property
    def name(self) -> str:
        """What the email is, as staff read it: its template's name ("Invoice issued")."""
        return DEFAULTS.get(self.template, {}).get("name", self.template)
