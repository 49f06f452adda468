"""The visitor's IP address, for the login report and the lockout."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """REMOTE_ADDR, or behind our reverse proxy (FAIRBILL_BEHIND_PROXY) the address that
    proxy appended to X-Forwarded-For: the last one, as anything before it may be forged."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None
