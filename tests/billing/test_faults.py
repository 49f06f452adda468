"""The billing run under faults, on PostgreSQL: a customer locked by someone else, a process
killed right after a batch commits, a commit that fails because the connection died. Each
leaves the database, the emails and the run's record telling the same story.
(benchmarks/faults.py is the long random campaign; these are its exact, fast cases.)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date
from decimal import Decimal
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from fairbill.automation.billing_run import billing_run
from fairbill.catalog.models import Package
from fairbill.core.actors import Actor
from fairbill.core.faults import KILLED_STATUS, fault_hook
from fairbill.core.services import settings_update
from fairbill.customers.models import Customer
from fairbill.customers.services import customer_create
from fairbill.invoicing.models import BillingRun, Invoice
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_template_update
from fairbill.subscriptions.services import subscription_create
from tests.billing.test_concurrency import database_url
from tests.fakes.mailbox import messages

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

AS_OF = date(2027, 3, 15)
CUSTOMERS = 150


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and killed connections are tested on PostgreSQL")


@pytest.fixture
def customers_due(business, system, bronze, gb_vat):
    """A few hundred customers with one monthly period due each (no PDFs: fast emails)."""
    settings_update(actor=system, attach_pdf=False)
    package = Package.objects.get(name="Bronze")
    customers = []
    for n in range(CUSTOMERS):
        customer = customer_create(
            actor=system, name=f"Customer {n}", email=f"c{n}@example.com", country="GB"
        )
        subscription_create(
            actor=system,
            customer=customer,
            package=package,
            cycle="monthly",
            start_date=date(2027, 3, 1 + n % 14),
        )
        customers.append(customer)
    return customers


@pytest.fixture
def quiet(system):
    """Invoice emails switched off where a test is not about them (rendering takes time)."""
    email_template_update(actor=system, key="invoice_issued", active=False)


def hold_lock(customer: Customer) -> psycopg.Connection:
    """Another connection holding the customer's row, as the payment service does."""
    holder = psycopg.connect(database_url())
    holder.execute(
        f"SELECT id FROM {Customer._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
        [customer.pk],
    )
    return holder


def run(**kwargs):
    return billing_run(as_of=AS_OF, actor=Actor.system("tests"), batch_size=50, **kwargs)


def fairbill(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "FAIRBILL_DATABASE_URL": database_url(),
        "FAIRBILL_LOG_LEVEL": "WARNING",
        "FAIRBILL_EMAIL_BACKEND": "tests.fakes.mailbox.Backend",
        "FAIRBILL_TEST_MAILBOX": str(tmp_path / "mailbox.txt"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "fairbill", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_customer_locked_elsewhere_is_billed_later_in_the_same_run(customers_due, quiet):
    # given a payment holding one customer's row while the run passes by
    target = customers_due[37]
    holder = hold_lock(target)
    released = threading.Event()

    def release_while_the_run_waits():
        threading.Timer(0.3, lambda: (holder.commit(), released.set())).start()

    # when the run reaches the end, comes back to it and waits
    with fault_hook("billing_lock_wait", release_while_the_run_waits):
        report = run(lock_wait=20)
    holder.close()
    # then the customer was billed in this same run, and nothing is left undone
    assert released.is_set()
    assert report.not_done == []
    assert Invoice.objects.filter(customer=target).count() == 1
    assert report.invoices_created == Invoice.objects.count() == CUSTOMERS


def test_customer_locked_longer_than_the_wait_is_reported(customers_due, quiet, settings, api):
    # given a customer held locked for the whole run, and a short wait
    settings.BILLING_LOCK_WAIT = 0.3
    target = customers_due[5]
    holder = hold_lock(target)
    out = StringIO()
    # when `fairbill bill` runs, it fails loudly, naming the customer
    with pytest.raises(CommandError, match=rf"1 customer\(s\) not billed.*: {target.pk}\. Run"):
        call_command("bill", "--as-of", str(AS_OF), "--no-progress", stdout=out)
    holder.rollback()
    holder.close()
    # then the others were billed, the locked one was not, and every record says so
    assert "not billed (locked elsewhere): 1" in out.getvalue()
    assert not Invoice.objects.filter(customer=target).exists()
    assert Invoice.objects.count() == CUSTOMERS - 1
    run_record = BillingRun.objects.get()
    assert (run_record.not_done, run_record.counts["not_done"]) == ([target.pk], 1)
    [listed] = api.get("/billing-runs").json()["items"]
    assert (listed["not_done"], listed["counts"]["not_done"]) == ([target.pk], 1)
    # and the next run bills it
    assert run().invoices_created == 1


def test_customer_billed_by_another_runner_meanwhile_is_done_not_skipped(customers_due, quiet):
    # given another runner holding a customer while it bills it
    target = customers_due[3]
    holder = psycopg.connect(database_url())

    def other_runner_bills_it():
        holder.commit()  # the row lock is released; the other runner's commit is below
        report = billing_run(as_of=AS_OF, actor=Actor.system("other"), batch_size=50)
        assert report.invoices_created == 1

    holder.execute(
        f"SELECT id FROM {Customer._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
        [target.pk],
    )
    # when the first run comes back to it, the other has billed it meanwhile
    with fault_hook("billing_lock_wait", other_runner_bills_it):
        report = run(lock_wait=20)
    holder.close()
    # then it is done: billed once, by the other runner, and not reported as left undone
    assert report.not_done == []
    assert Invoice.objects.filter(customer=target).count() == 1
    assert report.invoices_created == CUSTOMERS - 1


def test_kill_right_after_a_batch_commits_loses_no_email(customers_due, tmp_path, api):
    # given a run killed the instant its second batch committed, before its emails' task
    killed = fairbill(
        "bill",
        "--as-of",
        str(AS_OF),
        "--batch-size",
        "50",
        "--no-progress",
        tmp_path=tmp_path,
        FAIRBILL_FAULT="batch_committed:2",
    )
    assert killed.returncode == KILLED_STATUS, killed.stderr
    assert Invoice.objects.count() == 100
    assert EmailLog.objects.filter(status="queued").count() >= 50
    worker = fairbill(
        "worker",
        "--once",
        "--no-schedule",
        tmp_path=tmp_path,
        FAIRBILL_EMAIL_OUTBOX_AFTER_SECONDS="0",
    )
    assert worker.returncode == 0, worker.stderr
    # the run's record says it was interrupted, with what it had committed
    [record] = api.get("/billing-runs").json()["items"]
    assert (record["status"], record["counts"]["invoices_created"]) == ("interrupted", 100)
    # when it is run again and the worker passes
    rerun = fairbill("bill", "--as-of", str(AS_OF), "--no-progress", tmp_path=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    fairbill("worker", "--once", "--no-schedule", tmp_path=tmp_path)
    # then every invoice was emailed exactly once
    sent = messages(tmp_path / "mailbox.txt")
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == CUSTOMERS
    assert sorted(line.split("Invoice ")[1].split(" ")[0] for line in sent) == numbers
    assert set(sent.values()) == {1}
    assert not EmailLog.objects.exclude(status="sent").exists()


def test_a_commit_that_fails_is_not_counted(customers_due, quiet):
    # given a run whose connection is terminated just before its second batch commits
    calls = []

    def terminate_the_connection():
        calls.append(1)
        if len(calls) == 2:
            pid = connection.connection.info.backend_pid
            with psycopg.connect(database_url(), autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])

    with fault_hook("batch_before_commit", terminate_the_connection):
        report = run()
    # then the batch was billed again, customer by customer, and counted once
    total = Invoice.objects.aggregate(total=Sum("total"))["total"]
    assert Invoice.objects.count() == CUSTOMERS
    assert report.invoices_created == CUSTOMERS
    assert report.total_amount == {"GBP": total}
    assert total == Decimal("18.00") * CUSTOMERS
    record = BillingRun.objects.get()
    assert record.counts == report.counts()
    assert (record.status, record.counts["invoices_created"]) == ("finished", CUSTOMERS)
