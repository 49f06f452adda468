"""Two credit notes issued at once on one invoice (PostgreSQL): the customer lock makes the
second see the first, so together they never exceed the invoice and numbers stay gapless."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from fairbill.core.errors import Refused
from fairbill.invoicing.models import CreditNote, Invoice
from fairbill.payments.credit_notes import credit_note_issue

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite runs one writer at a time)")


def test_two_notes_at_once_never_exceed_the_invoice(admin, two_lines):
    start = threading.Barrier(3)
    outcomes: list[str] = []

    def credit(amount: str) -> None:
        try:
            start.wait()
            credit_note_issue(
                actor=admin, invoice=two_lines, reason="x", on=date(2027, 3, 5), amount=amount
            )
            outcomes.append("issued")
        except Refused as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=credit, args=(a,)) for a in ("70.00", "60.00")]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["issued", "more_than_left"]
    invoice = Invoice.objects.get(pk=two_lines.pk)
    [note] = CreditNote.objects.all()
    assert note.number == "CN-00001"
    assert invoice.credited == note.total <= Decimal("120.00")
