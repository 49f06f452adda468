"""Models that moved between apps keep their tables and rows: a database migrated before the
move migrates forward without losing data."""

from __future__ import annotations

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
