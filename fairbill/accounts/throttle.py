"""Per-address throttling of logins (staff and My Account), TOTP codes and password reset
requests, on top of django-axes' per-account lockout (which keys on username + address, so
one address trying many usernames is never locked out).

Failed attempts are counted per address in fixed windows of settings.THROTTLE_MINUTES in
the ThrottleCount table, so the count holds across processes and machines. Once an address
reaches settings.THROTTLE_ATTEMPTS in a window, the throttled views answer 429 "too many
attempts, try again in N minutes" until the window ends. THROTTLE_ATTEMPTS = 0 turns it off.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render

from fairbill.accounts.addresses import client_ip
from fairbill.accounts.models import ThrottleCount
from fairbill.core import clock

KEEP = timedelta(days=1)  # windows older than this are deleted


def _window(now: datetime) -> tuple[datetime, datetime]:
    length = timedelta(minutes=settings.THROTTLE_MINUTES)
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    start = epoch + length * ((now - epoch) // length)
    return start, start + length


def throttle_wait(*, scope: str, ip_address: str | None, now: datetime) -> int:
    """Seconds this address must wait before trying again in this scope (0: go ahead)."""
    if not ip_address or settings.THROTTLE_ATTEMPTS <= 0:
        return 0
    start, end = _window(now)
    count = (
        ThrottleCount.objects.filter(scope=scope, ip_address=ip_address, window_start=start)
        .values_list("count", flat=True)
        .first()
    )
    if count is None or count < settings.THROTTLE_ATTEMPTS:
        return 0
    return max(1, math.ceil((end - now).total_seconds()))


def throttle_hit(*, scope: str, ip_address: str | None, now: datetime) -> None:
    """Count one failed attempt from this address (atomic: an UPDATE, or an INSERT that a
    concurrent INSERT turns into the UPDATE through the unique constraint)."""
    if not ip_address or settings.THROTTLE_ATTEMPTS <= 0:
        return
    start, _ = _window(now)
    rows = ThrottleCount.objects.filter(scope=scope, ip_address=ip_address, window_start=start)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ThrottleCount.objects.create(
                scope=scope, ip_address=ip_address, window_start=start, count=1
            )
    except IntegrityError:
        rows.update(count=F("count") + 1)
        return
    ThrottleCount.objects.filter(window_start__lt=now - KEEP).delete()


def throttled(request: Any, scope: str) -> HttpResponse | None:
    """The 429 page when the request's address has used up its attempts, else None."""
    wait = throttle_wait(scope=scope, ip_address=client_ip(request), now=clock.now())
    if not wait:
        return None
    minutes = math.ceil(wait / 60)
    response = render(request, "accounts/throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


def count_failure(request: Any, scope: str) -> None:
    throttle_hit(scope=scope, ip_address=client_ip(request), now=clock.now())
