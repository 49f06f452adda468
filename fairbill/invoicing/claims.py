"""Claiming customers for the billing run.

The main pass claims a batch with SKIP LOCKED: customers someone else holds (a payment being
recorded, another run's batch) are skipped, so concurrent runs share the work without waiting
on each other. The run comes back to them at its end and then waits for each, for at most
BILLING_LOCK_WAIT seconds (PostgreSQL's lock_timeout, for that one statement only).
SQLite has one writer at a time: nothing is ever skipped there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from fairbill.core.bulk import rows_fetch
from fairbill.core.lookups import IdsIn
from fairbill.customers.models import Customer

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout


def customer_rows_claim(
    customer_ids: list[int], *, fields: Sequence[str], wait: float | None = None
) -> list[dict[str, Any]]:
    """Lock the customers' rows in id order and read their `fields` ({field: value} rows,
    cheaper than model instances for a batch). Without `wait`, skip the ones locked by
    someone else; with it, wait up to `wait` seconds and raise when that is not enough."""
    rows = Customer.objects.filter(IdsIn("pk", customer_ids)).order_by("pk").values_list(*fields)
    if not connection.features.has_select_for_update_skip_locked:
        claimed = rows_fetch(rows)
    elif wait is None:
        claimed = rows_fetch(rows.select_for_update(skip_locked=True))
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)", [f"{max(1, int(wait * 1000))}ms"]
            )
            claimed = rows_fetch(rows.select_for_update())
            # later statements of the batch (the invoice counter) wait as usual
            cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
    return [dict(zip(fields, row, strict=True)) for row in claimed]


def is_lock_timeout(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return True
        cause = cause.__cause__
    return False
