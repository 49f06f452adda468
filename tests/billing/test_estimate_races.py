"""Exactly once on PostgreSQL: two accepts of one estimate at the same moment (a double
click, or the customer and staff together) make one invoice; the other is refused."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from fairbill.core.errors import Refused
from fairbill.invoicing.estimates import estimate_accept, estimate_create
from fairbill.invoicing.models import Estimate, Invoice

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ON = date(2027, 5, 3)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite runs one writer at a time)")


def test_concurrent_accepts_make_one_invoice(customer, admin, gb_vat):
    estimate = estimate_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "Audit", "quantity": "2", "unit_price": "50.00"}],
        issue_date=ON,
    )
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            start.wait()
            estimate_accept(actor=admin, estimate=Estimate.objects.get(pk=estimate.pk), on=ON)
            outcomes.append("invoice")
        except Refused as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_accepted"] * 3 + ["invoice"]
    assert Invoice.objects.count() == 1
    estimate.refresh_from_db()
    assert estimate.invoice == Invoice.objects.get()
