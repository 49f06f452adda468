"""BillingRun records that tell the truth after a crash.

A run writes its heartbeat and its counts so far in the same transaction as each batch, so
what a record says is always what the database holds, even when the process is killed the
next instant. A run still `running` whose process is gone (same host, no such process) or
whose heartbeat is older than BILLING_RUN_STALE_SECONDS is marked `interrupted`: at the next
run's start, by the daily schedule, and whenever runs are listed.
"""

from __future__ import annotations

import os
import socket
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from fairbill.core import clock
from fairbill.invoicing.models import BillingRun


def run_start(*, as_of: date, actor_label: str, dry_run: bool = False) -> BillingRun:
    now = clock.now()
    return BillingRun.objects.create(
        as_of=as_of,
        dry_run=dry_run,
        started_at=now,
        heartbeat_at=now,
        actor_label=actor_label[:200],
        host=socket.gethostname()[:255],
        pid=os.getpid(),
    )


def run_heartbeat(run_id: int, *, counts: dict[str, Any] | None = None) -> None:
    """Called inside each batch's transaction: the counts commit with the batch or not at all."""
    values: dict[str, Any] = {"heartbeat_at": clock.now()}
    if counts is not None:
        values["counts"] = counts
    BillingRun.objects.filter(pk=run_id, status=BillingRun.Status.RUNNING).update(**values)


def run_finish(
    run_id: int,
    *,
    status: str,
    counts: dict[str, Any],
    errors: list[str],
    not_done: list[int] | None = None,
) -> None:
    now = clock.now()
    BillingRun.objects.filter(pk=run_id).update(
        status=status,
        finished_at=now,
        heartbeat_at=now,
        counts=counts,
        errors=errors,
        not_done=sorted(not_done or []),
    )


def runs_mark_interrupted(now: datetime | None = None) -> int:
    """Mark the runs whose process is gone as interrupted; returns how many."""
    now = now or clock.now()
    stale_before = now - timedelta(seconds=settings.BILLING_RUN_STALE_SECONDS)
    host = socket.gethostname()
    marked = 0
    running = BillingRun.objects.filter(status=BillingRun.Status.RUNNING).values_list(
        "pk", "host", "pid", "heartbeat_at", "started_at"
    )
    for pk, run_host, pid, heartbeat, started in running:
        gone = run_host == host and pid is not None and not _alive(pid)
        if gone or (heartbeat or started) < stale_before:
            # conditional: a run that finished meanwhile keeps its status
            marked += BillingRun.objects.filter(pk=pk, status=BillingRun.Status.RUNNING).update(
                status=BillingRun.Status.INTERRUPTED, finished_at=heartbeat or started
            )
    return marked


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True
