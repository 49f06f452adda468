"""Run records that tell the truth (any database): counts follow the committed batches, a run
whose process is gone shows as interrupted, the daily schedule runs such a day again, and a
batch that fails to commit is counted once."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest
import time_machine

from fairbill.automation.billing_run import billing_run
from fairbill.automation.schedule import billing_due
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.faults import fault_hook
from fairbill.invoicing.models import BillingRun, Invoice
from fairbill.invoicing.run_records import run_finish, run_start, runs_mark_interrupted

AS_OF = date(2027, 3, 15)


@pytest.fixture
def five_customers(billing, system):
    from fairbill.customers.services import customer_create

    for n in range(5):
        other = customer_create(actor=system, name=f"C{n}", email=f"c{n}@example.com", country="GB")
        billing.subscribe(start=date(2027, 3, 1 + n), customer=other)


def gone_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.django_db(transaction=True)  # real commits, so after-commit hooks run at each
def test_run_counts_are_written_with_each_committed_batch(billing, five_customers):
    # given a run in batches of two customers
    seen = []

    def look():  # just after each commit: what the record says, what the database holds
        counts = BillingRun.objects.get(status="running").counts
        seen.append((counts["invoices_created"], Invoice.objects.count()))

    with fault_hook("batch_committed", look):
        billing_run(as_of=AS_OF, actor=Actor.system("tests"), batch_size=2)
    # then after every commit the record said exactly what was committed
    assert seen == [(2, 2), (4, 4), (5, 5)]


def test_batch_that_fails_before_commit_is_counted_once(billing, five_customers):
    # given the second batch failing after it was computed, before it commits
    calls = []

    def fail_second_batch():
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("connection lost at commit")

    with fault_hook("batch_before_commit", fail_second_batch):
        report = billing.run(as_of=AS_OF, batch_size=2)
    # then its customers were billed one by one and counted once
    assert report.invoices_created == Invoice.objects.count() == 5
    assert BillingRun.objects.get().counts == report.counts()
    assert report.errors == []


def test_run_whose_process_is_gone_is_interrupted(business, api, staff_client):
    # given a run started by a process that has since died
    run = run_start(as_of=AS_OF, actor_label="billing run (command)")
    BillingRun.objects.filter(pk=run.pk).update(pid=gone_pid(), counts={"invoices_created": 7})
    # when the runs are listed
    [listed] = api.get("/billing-runs").json()["items"]
    # then it shows as interrupted, with what it had committed
    assert (listed["status"], listed["counts"]["invoices_created"]) == ("interrupted", 7)
    page = staff_client.get("/billing/").content.decode()
    assert "Interrupted: run billing again to finish the day." in page


def test_run_on_another_host_is_interrupted_only_when_its_heartbeat_is_old(business, settings):
    settings.BILLING_RUN_STALE_SECONDS = 600
    run = run_start(as_of=AS_OF, actor_label="elsewhere")
    BillingRun.objects.filter(pk=run.pk).update(host="another-machine", pid=1)
    assert runs_mark_interrupted(clock.now() + timedelta(seconds=300)) == 0
    assert runs_mark_interrupted(clock.now() + timedelta(seconds=900)) == 1
    assert BillingRun.objects.get().status == "interrupted"


def test_live_run_is_left_running(business):
    run_start(as_of=AS_OF, actor_label="this process")
    assert runs_mark_interrupted() == 0


def test_next_run_marks_a_killed_run_interrupted(billing):
    killed = run_start(as_of=AS_OF, actor_label="killed")
    BillingRun.objects.filter(pk=killed.pk).update(pid=gone_pid())
    billing.run(as_of=AS_OF)
    assert list(BillingRun.objects.order_by("pk").values_list("status", flat=True)) == [
        "interrupted",
        "finished",
    ]


@pytest.mark.django_db(transaction=True)
def test_daily_schedule_runs_an_interrupted_day_again(business, settings):
    settings.BILLING_HOUR = 6
    with time_machine.travel("2027-03-01 07:00Z", tick=False):
        killed = run_start(as_of=date(2027, 3, 1), actor_label="scheduled")
        assert billing_due(clock.now()) is None  # running
        BillingRun.objects.filter(pk=killed.pk).update(pid=gone_pid())
        assert billing_due(clock.now()) == date(2027, 3, 1)


@pytest.mark.django_db(transaction=True)
def test_daily_schedule_retries_a_failed_run_later_not_in_a_loop(business, settings):
    settings.BILLING_HOUR = 6
    with time_machine.travel("2027-03-01 07:00Z", tick=False):
        failed = run_start(as_of=date(2027, 3, 1), actor_label="scheduled")
        BillingRun.objects.filter(pk=failed.pk).update(status="failed", finished_at=clock.now())
        assert billing_due(clock.now()) is None
    with time_machine.travel("2027-03-01 07:20Z", tick=False):
        assert billing_due(clock.now()) == date(2027, 3, 1)


def test_dry_run_is_recorded_finished(billing):
    billing.subscribe(start=AS_OF)
    report = billing_run(as_of=AS_OF, actor=Actor.system("tests"), dry_run=True)
    run = BillingRun.objects.get(pk=report.run_id)
    assert (run.status, run.dry_run, run.counts["invoices_created"]) == ("finished", True, 1)
    assert Invoice.objects.count() == 0


def test_customers_not_billed_are_shown_on_the_billing_page_and_the_api(
    business, staff_client, api
):
    run = run_start(as_of=AS_OF, actor_label="billing run (command)")
    run_finish(run.pk, status="finished", counts={"not_done": 2}, errors=[], not_done=[42, 7])
    page = staff_client.get("/billing/").content.decode()
    assert "Not billed (locked elsewhere): customers 7, 42" in page
    assert "2 customers not billed (locked elsewhere)" in page
    [listed] = api.get("/billing-runs").json()["items"]
    assert listed["not_done"] == [7, 42]
