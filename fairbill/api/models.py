from __future__ import annotations

from django.db import models

from fairbill.accounts.models import ApiKey


class IdempotentRequest(models.Model):
    """The first successful response to a POST sent with an Idempotency-Key header.

    A retry with the same key from the same API key gets this response back instead of
    doing the work again. The unique constraint makes two concurrent requests with one key
    produce one result: the second waits for the first's transaction and then replays it.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
