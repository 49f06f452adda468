"""Two requests invoicing the same time at once: one invoice, each entry billed once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from fairbill.core.errors import Refused
from fairbill.customers.models import Customer
from fairbill.integrations.basecamp.importer import (
    basecamp_customers_import,
    basecamp_entries,
    candidates_from_people,
    projects_sync,
)
from fairbill.integrations.basecamp.services import basecamp_client
from fairbill.invoicing.models import Invoice
from fairbill.timebilling.models import BilledEntry
from fairbill.timebilling.services import hourly_rate_set, time_invoice_create

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def leto(connected, admin):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    client = basecamp_client()
    basecamp_customers_import(
        actor=admin, candidates=candidates_from_people(client.people(), "company")
    )
    projects_sync(actor=admin, projects=client.projects(), link_suggested=True)
    customer = Customer.objects.get(name="Leto Brand")
    hourly_rate_set(actor=admin, customer=customer, rate="80")
    return customer


def test_concurrent_time_invoices_bill_each_entry_once(leto, admin):
    entries = basecamp_entries(
        client=basecamp_client(), customer=leto, start=date(2027, 3, 1), end=date(2027, 3, 31)
    )
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def bill() -> None:
        try:
            start.wait()
            time_invoice_create(
                actor=admin,
                customer=leto,
                entries=entries,
                group_by="project",
                issue_date=date(2027, 4, 1),
            )
            outcomes.append("invoiced")
        except Refused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bill) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["invoiced", "refused", "refused", "refused"]
    assert Invoice.objects.filter(kind="time").count() == 1
    assert BilledEntry.objects.count() == 4
