"""Models that moved between apps keep their tables and rows: a database migrated before the
move migrates forward without losing data."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_invoice_counter_keeps_its_rows_when_it_moves_to_core():
    # given a database from before the move, with invoice numbers already used
    migrate([("core", "0001_initial"), ("invoicing", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO invoicing_counter (name, next_number) VALUES ('invoice', 42)"
        )
    # when it migrates forward
    migrate(latest())
    # then the counter is core's and carries on from where it was
    from fairbill.core.models import Counter

    assert Counter.objects.get(name="invoice").next_number == 42


def test_hourly_rates_and_billed_entries_keep_their_rows_when_they_move_to_timebilling():
    from fairbill.customers.models import Customer

    # given a database from before the move, with a customer's hourly rate
    migrate([("basecamp", "0001_initial")])
    at = datetime(2027, 1, 1, tzinfo=UTC)
    customer = Customer.objects.create(
        name="Ada", email="ada@example.com", currency="GBP", created_at=at, updated_at=at
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO basecamp_hourlyrate (customer_id, rate, updated_at) "
            "VALUES (%s, '85.5000', '2027-01-01 00:00:00+00:00')",
            [customer.pk],
        )
    # when it migrates forward
    migrate(latest())
    # then the rate is the time billing app's, unchanged, and its entries table is in place
    from fairbill.timebilling.models import BilledEntry, HourlyRate

    assert HourlyRate.objects.get(customer=customer).rate == Decimal("85.5")
    assert BilledEntry.objects.count() == 0


def test_a_billing_run_queued_before_the_upgrade_runs_after_it():
    from django_tasks_db.models import DBTaskResult

    # given a billing run queued by the old worker, under the task's old path
    migrate([("automation", None)])
    DBTaskResult.objects.create(
        task_path="fairbill.invoicing.tasks.run_billing",
        args_kwargs={"args": ["2027-01-01"], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        status="READY",
    )
    # when it migrates forward
    migrate(latest())
    # then the new worker finds the task it names
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "fairbill.automation.tasks.run_billing"
    assert queued.task.name == "run_billing"
