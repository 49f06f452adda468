"""The billing run: renew, remind, suspend and cancel, as of a date.

Work is claimed per batch of customers: the batch's customer rows are locked (on PostgreSQL
with SKIP LOCKED, so concurrent runs share the work), their due subscriptions are re-read
under the lock, and everything for the batch commits at once. The unique constraint on
(subscription, period start) for package lines is the last guard against billing a period
twice. A batch that fails is retried customer by customer; a customer that still fails has
its due subscriptions marked `error`, and the run goes on. Customers someone else held
locked are come back to at the end (invoicing/claims.py); a batch is counted once it has
committed, and the run's record is written in each batch's transaction
(invoicing/run_records.py). docs/billing.md, "Under faults".
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from fairbill.automation.collect import collect_due
from fairbill.automation.services import overdue_candidates, overdue_process
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.bulk import bulk_insert_rows, gc_spaced, writes_behind
from fairbill.core.faults import fault_point
from fairbill.core.lookups import IdsIn
from fairbill.core.models import BusinessSettings, Event
from fairbill.core.money import ZERO
from fairbill.core.services import event_common, event_record
from fairbill.customers.models import Status
from fairbill.invoicing.claims import customer_rows_claim, is_lock_timeout
from fairbill.invoicing.documents import (
    BILL_TO_FIELDS,
    InvoiceRows,
    LineSpec,
    bill_to_values,
    invoice_rows_prepare,
    invoices_save,
    seller,
)
from fairbill.invoicing.models import BillingRun, Invoice, InvoiceLine
from fairbill.invoicing.run_records import (
    run_finish,
    run_heartbeat,
    run_start,
    runs_mark_interrupted,
)
from fairbill.invoicing.tax import TAX_FACT_FIELDS, TaxTable, vat_checks_refresh
from fairbill.notifications.services import email_queue_many
from fairbill.payments.credit_rows import credit_rows_save, credit_use_row
from fairbill.payments.services import credit_balances
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.renewals import (
    Advance,
    DueOption,
    DueSubscription,
    renewal_lines,
    subscriptions_advance,
    subscriptions_due,
)

BILLABLE = [Status.ACTIVE, Status.SUSPENDED]
# what a renewal invoice needs of its customer, read as a row with the lock
CUSTOMER_FIELDS = tuple(dict.fromkeys(("pk", "currency", *BILL_TO_FIELDS, *TAX_FACT_FIELDS)))
# customers per transaction: fewer, larger batches spend less on each batch's fixed queries
# and commit (docs/performance.md), and still hold their locks well under a second
BATCH_SIZE = 1000
MIN_LOCK_WAIT = 0.05  # seconds: once the run's wait is spent, a last short try per customer
Progress = Callable[[int, int], None]


def _beat(ctx: Any) -> Callable[[], None] | None:
    """The run's heartbeat between batches (when it has a record)."""
    run_id = ctx.run_id
    if run_id is None:
        return None
    return lambda: run_heartbeat(run_id)


@dataclass
class RunReport:
    as_of: date
    dry_run: bool
    customers: int = 0
    invoices_created: int = 0
    total_amount: dict[str, Decimal] = field(default_factory=dict)
    credit_applied: dict[str, Decimal] = field(default_factory=dict)
    reminders: int = 0
    suspensions: int = 0
    cancellations: int = 0
    errors: list[str] = field(default_factory=list)
    # customers left unbilled: someone else held them locked longer than the run waited
    not_done: list[int] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None  # the BillingRun row that records it, when recorded
    skipped: list[int] = field(default_factory=list)  # a batch's customers locked elsewhere
    charges: dict[str, int] = field(default_factory=dict)  # automatic payments, by outcome

    def counts(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "invoices_created": self.invoices_created,
            "total_amount": {k: str(v) for k, v in sorted(self.total_amount.items())},
            "credit_applied": {k: str(v) for k, v in sorted(self.credit_applied.items())},
            "reminders": self.reminders,
            "suspensions": self.suspensions,
            "cancellations": self.cancellations,
            "errors": len(self.errors),
            "not_done": len(self.not_done),
            "charges": dict(self.charges),
        }

    def add_counts(self, counts: dict[str, Any]) -> None:
        """Add another process's counts (as printed by `fairbill bill --json`)."""
        other = RunReport(as_of=self.as_of, dry_run=self.dry_run)
        other.invoices_created = counts["invoices_created"]
        other.total_amount = {k: Decimal(v) for k, v in counts["total_amount"].items()}
        other.credit_applied = {k: Decimal(v) for k, v in counts["credit_applied"].items()}
        other.reminders = counts["reminders"]
        other.suspensions = counts["suspensions"]
        other.cancellations = counts["cancellations"]
        self.add(other)
        self.errors.extend(counts.get("error_messages", []))
        self.not_done.extend(counts.get("not_done_ids", []))

    def plus(self, other: RunReport) -> RunReport:
        """This report with another batch's counts added (a copy)."""
        combined = RunReport(
            as_of=self.as_of,
            dry_run=self.dry_run,
            customers=self.customers,
            errors=list(self.errors),
            not_done=list(self.not_done),
        )
        combined.add(self)
        combined.add(other)
        return combined

    def add(self, other: RunReport) -> None:
        self.invoices_created += other.invoices_created
        for target, source in (
            (self.total_amount, other.total_amount),
            (self.credit_applied, other.credit_applied),
        ):
            for currency, amount in source.items():
                target[currency] = target.get(currency, ZERO) + amount
        self.reminders += other.reminders
        self.suspensions += other.suspensions
        self.cancellations += other.cancellations
        self.preview.extend(other.preview)


class _DryRun(Exception):
    """Raised to roll a dry run back after computing it."""


@dataclass
class _Context:
    as_of: date
    business: BusinessSettings
    horizon: date
    seller: dict[str, str]
    taxes: TaxTable
    actor: Actor
    dry_run: bool
    lock_wait: float = 0.0
    run_id: int | None = None  # heartbeat and counts written with each batch
    shared: bool = False  # one of several processes of a parallel run
    payment_terms: timedelta = field(init=False)

    def __post_init__(self) -> None:
        self.payment_terms = timedelta(days=self.business.payment_terms_days)


def billing_run(
    *,
    as_of: date,
    actor: Actor,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    record: bool = True,
    share: tuple[int, int] = (0, 1),
    lock_wait: float | None = None,
    run_id: int | None = None,
) -> RunReport:
    """Run billing as of a date. Re-running it, or running it concurrently, bills nothing
    twice. A dry run computes exactly what would happen and writes nothing.

    `share` = (i, n): this is process i of n working on the same run; it starts at the i-th
    n-th of the batches (and wraps around), so concurrent processes rarely meet.

    Customers locked by someone else when their batch comes are billed at the end, waiting
    up to `lock_wait` seconds for each; those still locked are reported in `not_done`."""
    business = BusinessSettings.load()
    ctx = _Context(
        as_of=as_of,
        business=business,
        horizon=as_of + timedelta(days=business.invoice_days_before_renewal),
        seller=seller(business),
        taxes=TaxTable(business),
        actor=actor,
        dry_run=dry_run,
        lock_wait=settings.BILLING_LOCK_WAIT if lock_wait is None else lock_wait,
        run_id=run_id,
        shared=share[1] > 1,
    )
    run = None
    if record and not dry_run:
        runs_mark_interrupted()
        run = run_start(as_of=as_of, actor_label=actor.label)
        ctx.run_id = run.pk
    report = RunReport(as_of=as_of, dry_run=dry_run)
    customer_ids = candidate_customers(as_of=as_of, horizon=ctx.horizon, business=business)
    report.customers = len(customer_ids)
    customer_ids = _rotate(customer_ids, batch_size, share)
    status = BillingRun.Status.FAILED  # unless the batches all ran
    try:
        if dry_run:
            try:
                with transaction.atomic(), gc_spaced():
                    _run_batches(ctx, customer_ids, batch_size, report, progress)
                    raise _DryRun
            except _DryRun:
                pass
        else:
            with gc_spaced():
                _run_batches(ctx, customer_ids, batch_size, report, progress)
            collect_due(report=report, as_of=as_of, actor=actor)  # after renewing
        status = BillingRun.Status.FINISHED
    finally:
        if run is not None:
            run_finish(
                run.pk,
                status=status,
                counts=report.counts(),
                errors=report.errors,
                not_done=report.not_done,
            )
    if run is not None:
        report.run_id = run.pk
    elif record:
        report.run_id = BillingRun.objects.create(
            as_of=as_of,
            dry_run=True,
            started_at=clock.now(),
            finished_at=clock.now(),
            actor_label=actor.label[:200],
            preview=report.preview[:500],
            counts=report.counts(),
            errors=report.errors,
            not_done=report.not_done,
            status=BillingRun.Status.FINISHED,
        ).pk
    return report


def _rotate(ids: list[int], batch_size: int, share: tuple[int, int]) -> list[int]:
    index, count = share
    if not 0 <= index < count:
        raise ValueError("share must be (i, n) with 0 <= i < n")
    batches = -(-len(ids) // batch_size)
    start = (batches * index // count) * batch_size
    return ids[start:] + ids[:start]


def candidate_count(*, as_of: date) -> int:
    """How many customers a run as of this date looks at."""
    business = BusinessSettings.load()
    horizon = as_of + timedelta(days=business.invoice_days_before_renewal)
    return len(candidate_customers(as_of=as_of, horizon=horizon, business=business))


def candidate_customers(
    *, as_of: date, horizon: date, business: BusinessSettings, among: list[int] | None = None
) -> list[int]:
    """Customers with something to bill or chase as of the date, sorted by id (only those
    `among` these ids, when given)."""
    subscriptions = Subscription.objects.filter(status__in=BILLABLE, renewal_date__lte=horizon)
    invoices = Invoice.objects.filter(status=Invoice.Status.UNPAID)
    if among is not None:
        subscriptions = subscriptions.filter(IdsIn("customer_id", among))
        invoices = invoices.filter(IdsIn("customer_id", among))
    # no ordering: the models' default ordering would join the customers and sort by name
    ids = set(subscriptions.order_by().values_list("customer_id", flat=True).distinct())
    overdue = overdue_candidates(as_of=as_of, business=business)
    if overdue is not None:
        ids.update(
            invoices.filter(overdue).order_by().values_list("customer_id", flat=True).distinct()
        )
    return sorted(ids)


def _run_batches(
    ctx: _Context,
    customer_ids: list[int],
    batch_size: int,
    report: RunReport,
    progress: Progress | None,
) -> None:
    done = 0
    skipped: list[int] = []
    for start in range(0, len(customer_ids), batch_size):
        batch = customer_ids[start : start + batch_size]
        size = len(batch)
        if ctx.shared and not ctx.dry_run:
            # Past its own share, a process of a parallel run comes to batches the others
            # have billed: read without locks, the customers with nothing left are passed
            # over rather than locked and read again. Those still to do are billed under
            # the lock as ever (one billed elsewhere meanwhile has nothing due then).
            batch = candidate_customers(
                as_of=ctx.as_of, horizon=ctx.horizon, business=ctx.business, among=batch
            )
        if batch:
            if not ctx.dry_run:  # HTTP calls, before the batch's transaction
                vat_checks_refresh(
                    actor=ctx.actor,
                    customer_ids=batch,
                    as_of=ctx.as_of,
                    business=ctx.business,
                    on_checked=_beat(ctx),
                )
            skipped.extend(_bill_batch(ctx, batch, report))
        done += size
        if progress is not None:
            progress(done, len(customer_ids))
    if skipped:  # held by someone else when their batch came: once more, then wait
        still_locked: list[int] = []
        for start in range(0, len(skipped), batch_size):
            still_locked.extend(_bill_batch(ctx, skipped[start : start + batch_size], report))
        deadline = time.monotonic() + ctx.lock_wait  # the waits together: bounded too
        held: list[int] = []
        # most were in another run's open batch, which commits within a second: wait for
        # them together (a batch's worth one at a time cost more than billing them)
        for start in range(0, len(still_locked), batch_size):
            fault_point("billing_lock_wait")
            wait = max(deadline - time.monotonic(), MIN_LOCK_WAIT)
            chunk = still_locked[start : start + batch_size]
            held.extend(_bill_batch(ctx, chunk, report, wait=wait))
        for customer_id in held:  # one held longer (a payment?): alone, so the others bill
            wait = max(deadline - time.monotonic(), MIN_LOCK_WAIT)
            report.not_done.extend(_bill_batch(ctx, [customer_id], report, wait=wait))


def _bill_batch(
    ctx: _Context, customer_ids: list[int], report: RunReport, *, wait: float | None = None
) -> list[int]:
    """Bill some customers in one transaction; returns those locked by someone else. The
    report counts the batch only once it has committed."""
    try:
        batch = _bill_committed(ctx, customer_ids, report, wait=wait)
    except Exception as exc:
        if is_lock_timeout(exc):
            return list(customer_ids)
        skipped: list[int] = []
        for customer_id in customer_ids:  # find the customer that fails; bill the others
            skipped.extend(_bill_one(ctx, customer_id, report, wait=wait))
        return skipped
    report.add(batch)
    return batch.skipped


def _bill_committed(
    ctx: _Context, customer_ids: list[int], report: RunReport, *, wait: float | None
) -> RunReport:
    with transaction.atomic():
        # first of the after-commit hooks: a crash here is a crash before the emails' task
        transaction.on_commit(lambda: fault_point("batch_committed"))
        batch = _bill_customers(ctx, customer_ids, wait=wait)
        if ctx.run_id is not None and not ctx.dry_run:
            run_heartbeat(ctx.run_id, counts=report.plus(batch).counts())
        fault_point("batch_before_commit")
    return batch


def _bill_one(
    ctx: _Context, customer_id: int, report: RunReport, *, wait: float | None
) -> list[int]:
    try:
        batch = _bill_committed(ctx, [customer_id], report, wait=wait)
    except Exception as exc:  # one customer's failure must not stop the run
        if is_lock_timeout(exc):
            return [customer_id]
        reason = f"{type(exc).__name__}: {exc}"[:300]
        report.errors.append(f"customer {customer_id}: {reason}")
        if not ctx.dry_run:
            _mark_error(ctx, customer_id, reason)
        return []
    report.add(batch)
    return batch.skipped


def _mark_error(ctx: _Context, customer_id: int, reason: str) -> None:
    with transaction.atomic():
        subs = list(
            Subscription.objects.select_for_update().filter(
                customer_id=customer_id, status__in=BILLABLE, renewal_date__lte=ctx.horizon
            )
        )
        for sub in subs:
            before = sub.status
            sub.status, sub.status_reason = Status.ERROR, f"Renewal failed: {reason}"[:300]
            sub.save(update_fields=["status", "status_reason"])
            event_record(
                actor=ctx.actor,
                action="subscription.error",
                subject=sub,
                customer_id=customer_id,
                message=sub.status_reason,
                data={"status": [before, Status.ERROR]},
            )


def _bill_customers(
    ctx: _Context, customer_ids: list[int], *, wait: float | None = None
) -> RunReport:
    """Renew and chase a batch of customers inside the caller's transaction. What is due is
    read under the lock: a customer another run has just billed has nothing left. The batch
    is built as rows and written with a fixed number of statements (docs/performance.md)."""
    report = RunReport(as_of=ctx.as_of, dry_run=ctx.dry_run)
    claimed = customer_rows_claim(customer_ids, fields=CUSTOMER_FIELDS, wait=wait)
    customers = {row["pk"]: row for row in claimed}
    report.skipped = [pk for pk in customer_ids if pk not in customers]
    if not customers:
        return report
    # Chase first: a subscription cancelled today is not renewed today.
    counts = overdue_process(
        customer_ids=list(customers), as_of=ctx.as_of, business=ctx.business, actor=ctx.actor
    )
    report.reminders += counts.reminders
    report.suspensions += counts.suspensions
    report.cancellations += counts.cancellations
    due: dict[int, list[tuple[DueSubscription, list[DueOption]]]] = defaultdict(list)
    for sub, options in subscriptions_due(
        customer_ids=list(customers), statuses=BILLABLE, horizon=ctx.horizon
    ):
        due[sub.customer_id].append((sub, options))
    balances = credit_balances(list(due)) if ctx.business.auto_apply_credit else {}
    now = clock.now()
    drafts: list[InvoiceRows] = []
    credit_used: list[tuple[dict[str, Any], dict[str, Any]]] = []
    advances: list[Advance] = []
    for customer_id, customer_subs in due.items():
        draft = _renewal_invoice(ctx, customers[customer_id], customer_subs, advances, now)
        used = min(balances.get(customer_id, ZERO), draft.invoice["balance"])
        if used > 0:
            entry = credit_use_row(invoice=draft.invoice, amount=used, on=ctx.as_of, at=now)
            credit_used.append((draft.invoice, entry))
        drafts.append(draft)
    # From the invoice counter on, the rows locked (the counter, the day's totals, the run's
    # record) keep a parallel run's other processes waiting until this batch commits: what
    # needs no invoice number is written before (invoices_save, docs/performance.md).
    subscriptions_advance(advances)
    with writes_behind():  # SQLite: the inserts are written while the next rows are built
        invoices_save(
            drafts,
            ctx.business,
            before_numbers=lambda: email_queue_many(
                template="invoice_issued",
                items=[(d.invoice["customer_id"], {"invoice_id": d.invoice["id"]}) for d in drafts],
            ),
        )
        credit_rows_save(credit_used)
        bulk_insert_rows(
            Event,
            [_issued_event(d) for d in drafts],
            same=event_common(
                actor=ctx.actor, action="invoice.issued", subject_type="invoice", at=now
            ),
        )
    for draft in drafts:
        invoice = draft.invoice
        currency = invoice["currency"]
        report.invoices_created += 1
        report.total_amount[currency] = report.total_amount.get(currency, ZERO) + invoice["total"]
        if invoice["credit_applied"]:
            report.credit_applied[currency] = (
                report.credit_applied.get(currency, ZERO) + invoice["credit_applied"]
            )
        if ctx.dry_run:
            report.preview.append(_preview(draft))
    return report


def _renewal_invoice(
    ctx: _Context,
    customer: dict[str, Any],
    subs: list[tuple[DueSubscription, list[DueOption]]],
    advances: list[Advance],
    now: datetime,
) -> InvoiceRows:
    """One customer's renewal invoice for all its subscriptions due (their advances are
    added to `advances`)."""
    specs: list[LineSpec] = []
    for sub, options in subs:
        lines, advance = renewal_lines(sub, ctx.horizon, options)
        specs.extend(lines)
        advances.append(advance)
    first_start = min(s.period_start for s in specs if s.period_start)
    return invoice_rows_prepare(
        customer_id=customer["pk"],
        currency=customer["currency"],
        bill_to_details=bill_to_values(customer),
        kind=Invoice.Kind.RENEWAL,
        specs=specs,
        issue_date=ctx.as_of,
        due_date=max(ctx.as_of, first_start) + ctx.payment_terms,
        tax=ctx.taxes.for_values(customer, ctx.as_of),
        seller_details=ctx.seller,
        now=now,
    )


def _issued_event(draft: InvoiceRows) -> dict[str, Any]:
    invoice = draft.invoice
    return {
        "subject_id": invoice["id"],
        "customer_id": invoice["customer_id"],
        "message": f"Renewal invoice {invoice['number']}",
        "data": {
            "number": invoice["number"],
            "kind": invoice["kind"],
            "total": str(invoice["total"]),
            "credit_applied": str(invoice["credit_applied"]),
            "periods": sorted(
                {
                    f"{line['subscription_id']}:{line['period_start'].isoformat()}"
                    for line in draft.lines
                    if line["kind"] == InvoiceLine.Kind.PACKAGE
                }
            ),
        },
    }


def _preview(draft: InvoiceRows) -> dict[str, Any]:
    invoice = draft.invoice
    return {
        "customer_id": invoice["customer_id"],
        "customer": invoice["bill_to"].get("name", ""),
        "currency": invoice["currency"],
        "total": str(invoice["total"]),
        "credit_applied": str(invoice["credit_applied"]),
        "lines": [
            {
                "description": line["description"],
                "amount": str(line["amount"]),
                "period_start": line["period_start"].isoformat() if line["period_start"] else None,
                "period_end": line["period_end"].isoformat() if line["period_end"] else None,
            }
            for line in draft.lines
        ],
    }
