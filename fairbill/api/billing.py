"""Billing runs: renew, remind, suspend and cancel as of a date (as `fairbill bill` does)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fairbill.api.fields import Body, Day
from fairbill.api.helpers import require
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.automation.billing_run import billing_run
from fairbill.core import clock
from fairbill.invoicing.models import BillingRun
from fairbill.invoicing.run_records import runs_mark_interrupted

router: Router = Router(tags=["billing runs"])

COUNTS = (
    "customers, invoices_created, total_amount and credit_applied (per currency), reminders, "
    "suspensions, cancellations, errors, not_done"
)
NOT_DONE = (
    "customers left unbilled because their record stayed locked by another process for "
    "longer than the run waits; run billing again for them"
)


class BillingRunIn(Body):
    as_of: Day | None = Field(None, description="the billing date; default: today")
    dry_run: bool = Field(
        False, description="true: compute what would be billed and write nothing (JSON true/false)"
    )


class BillingRunResult(Schema):
    id: int | None = Field(description="the billing run's record (GET /billing-runs)")
    as_of: dt.date
    dry_run: bool
    counts: dict[str, Any] = Field(description=COUNTS)
    errors: list[str] = Field(description="one message per customer that failed")
    not_done: list[int] = Field(description=NOT_DONE)
    preview: list[dict[str, Any]] = Field(
        description="dry run: the invoices it would create, with their lines"
    )


class BillingRunOut(Schema):
    id: int
    as_of: dt.date
    dry_run: bool
    status: str = Field(
        description="running, finished, failed, or interrupted (its process is gone; the "
        "counts are what it had committed)"
    )
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    counts: dict[str, Any] = Field(description=COUNTS)
    errors: list[str]
    not_done: list[int] = Field(description=NOT_DONE)
    preview: list[dict[str, Any]]

    @staticmethod
    def resolve_actor(obj: BillingRun) -> str:
        return obj.actor_label


@router.post("/billing-runs", response={201: BillingRunResult})
@idempotent
def billing_run_post(request: HttpRequest, payload: BillingRunIn) -> Any:
    """Run billing now and wait for it. Running it twice for a date bills nothing twice; a
    customer that fails is reported in `errors` and the run goes on."""
    actor = require(request, "invoices")
    report = billing_run(as_of=payload.as_of or clock.today(), actor=actor, dry_run=payload.dry_run)
    return Status(
        201,
        {
            "id": report.run_id,
            "as_of": report.as_of,
            "dry_run": report.dry_run,
            "counts": report.counts(),
            "errors": report.errors,
            "not_done": report.not_done,
            "preview": report.preview,
        },
    )


@router.get("/billing-runs", response=list[BillingRunOut])
@paginate(Page)
def billing_run_list(request: HttpRequest) -> Any:
    """Past runs, newest first (dry runs included). A run whose process is gone is shown as
    `interrupted`."""
    require(request, "invoices")
    runs_mark_interrupted()
    return BillingRun.objects.order_by("-started_at", "-id")
