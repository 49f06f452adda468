"""Exactly once on PostgreSQL: concurrent `fairbill bill` processes, and a run killed with
SIGKILL then run again, leave the same state as one clean run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from django.db import connection

from fairbill.catalog.models import Package
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import Invoice, InvoiceLine
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.services import subscription_create

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

AS_OF = date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite runs one writer at a time)")


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def bill_process(*extra: str) -> subprocess.Popen:
    env = {**os.environ, "FAIRBILL_DATABASE_URL": database_url(), "FAIRBILL_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fairbill",
            "bill",
            "--as-of",
            AS_OF.isoformat(),
            "--no-progress",
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def many_subscriptions(business, system, bronze, gb_vat):
    package = Package.objects.get(name="Bronze")
    subs = []
    for n in range(120):
        customer = customer_create(
            actor=system, name=f"Customer {n}", email=f"c{n}@example.com", country="GB"
        )
        # started 0-2 months ago: 1 to 3 periods due each
        start = date(2027, 1 + n % 3, 1 + n % 28)
        subs.append(
            subscription_create(
                actor=system, customer=customer, package=package, cycle="monthly", start_date=start
            )
        )
    return subs


def expected_periods(subs) -> set[tuple[int, date]]:
    from fairbill.subscriptions.periods import periods_due

    return {
        (s.pk, start)
        for s in subs
        for start, _ in periods_due(s.start_date, "monthly", s.billing_day, AS_OF)
    }


def billed_periods() -> list[tuple[int, date]]:
    return list(
        InvoiceLine.objects.filter(kind="package").values_list("subscription_id", "period_start")
    )


def assert_billed_exactly_once(subs):
    billed = billed_periods()
    assert len(billed) == len(set(billed)), "a period was billed twice"
    assert set(billed) == expected_periods(subs)
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1)), "invoice numbers have a gap"
    # one invoice per customer per run
    assert Invoice.objects.count() == len({s.pk for s in subs if s.start_date <= AS_OF})
    for sub in Subscription.objects.all():
        assert sub.renewal_date > AS_OF or sub.start_date > AS_OF


def test_four_concurrent_runs_bill_every_period_once(many_subscriptions):
    processes = [bill_process("--batch-size", "7") for _ in range(4)]
    created = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        created.append(int(re.search(r"invoices created: (\d+)", out).group(1)))
    assert_billed_exactly_once(many_subscriptions)
    # the processes shared the work and together made each invoice once
    assert sum(created) == Invoice.objects.count()
    # and a fifth run afterwards finds nothing to do
    process = bill_process()
    out, _ = process.communicate(timeout=120)
    assert "invoices created: 0" in out


def test_run_killed_midway_then_rerun_gives_the_same_result(many_subscriptions):
    process = bill_process("--batch-size", "1")
    deadline = time.monotonic() + 120
    while Invoice.objects.count() < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    part = Invoice.objects.count()
    assert 0 < part < 100, "the run was not killed mid-way"
    process = bill_process()
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert_billed_exactly_once(many_subscriptions)


def test_one_run_shared_by_two_processes_bills_everything_once(many_subscriptions):
    from fairbill.invoicing.models import BillingRun

    process = bill_process("--processes", "2", "--batch-size", "10")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert_billed_exactly_once(many_subscriptions)
    assert f"invoices created: {Invoice.objects.count()}" in out
    [run] = BillingRun.objects.all()
    assert (run.status, run.counts["invoices_created"]) == ("finished", Invoice.objects.count())
