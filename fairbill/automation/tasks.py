from __future__ import annotations

from datetime import date
from typing import Any

from django_tasks import task

from fairbill.automation.billing_run import billing_run
from fairbill.core.actors import Actor


@task()
def run_billing(
    as_of: str, dry_run: bool = False, actor_label: str = "scheduled"
) -> dict[str, Any]:
    """The billing run as a background task (scheduled daily by the worker, or from the
    back office and the API)."""
    report = billing_run(
        as_of=date.fromisoformat(as_of),
        dry_run=dry_run,
        actor=Actor.system(f"billing run ({actor_label})"),
    )
    return {**report.counts(), "error_messages": report.errors}
