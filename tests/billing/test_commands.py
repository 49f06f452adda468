from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from fairbill.automation.schedule import billing_due
from fairbill.invoicing.models import BillingRun, Invoice


def bill(*args):
    out = StringIO()
    call_command("bill", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_bill_command_prints_a_summary_and_records_the_run(billing):
    billing.subscribe(start=date(2027, 1, 10))
    out = bill("--as-of", "2027-01-10")
    assert "invoices created: 1 (total 18.00 GBP)" in out
    assert Invoice.objects.count() == 1
    run = BillingRun.objects.get()
    assert (run.as_of, run.status, run.counts["invoices_created"]) == (
        date(2027, 1, 10),
        "finished",
        1,
    )
    assert "invoices created: 0" in bill("--as-of", "2027-01-10")


def test_dry_run_prints_what_would_be_invoiced(billing):
    billing.subscribe(start=date(2027, 1, 10))
    out = bill("--as-of", "2027-01-10", "--dry-run")
    assert "would invoice Jane Smith" in out
    assert "Bronze (monthly) [2027-01-10 – 2027-02-10]: 10.00" in out
    assert Invoice.objects.count() == 0


def test_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="not a date"):
        bill("--as-of", "2027-13-01")


# The worker closes stale connections between polls, as a long-running process must; that
# needs real transactions, not a test wrapped in one.
@pytest.mark.django_db(transaction=True)
def test_daily_run_is_due_once_after_the_billing_hour(business, settings):
    settings.BILLING_HOUR = 6
    with time_machine.travel("2027-03-01 05:30Z", tick=False):
        from fairbill.core import clock

        assert billing_due(clock.now()) is None
    with time_machine.travel("2027-03-01 06:30Z", tick=False):
        assert billing_due(clock.now()) == date(2027, 3, 1)
        call_command("worker", "--once", stdout=StringIO())
        assert BillingRun.objects.filter(as_of=date(2027, 3, 1), dry_run=False).count() == 1
        assert billing_due(clock.now()) is None


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_daily_billing_run_with_the_database_backend(billing, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    billing.subscribe(start=date(2027, 3, 1))
    with time_machine.travel("2027-03-01 07:00Z", tick=False):
        call_command("worker", "--once", stdout=StringIO())
    assert Invoice.objects.count() == 1
