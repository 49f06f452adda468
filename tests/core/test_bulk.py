"""The bulk insert fast path (core/bulk.py): what it writes reads back as given, whatever the
text (COPY's escaping on PostgreSQL, parameters on SQLite), and its JSON is json.dumps's."""

from __future__ import annotations

import gc
import json
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fairbill.core.bulk import (
    ROWS_PER_STATEMENT,
    bulk_insert_rows,
    gc_spaced,
    ids_take,
    writes_behind,
)
from fairbill.core.models import Event
from fairbill.core.services import event_common, event_record
from fairbill.payments.models import CreditEntry

HOSTILE = [
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\.",  # COPY's end-of-data marker, alone on a line
    "\\N",  # COPY's NULL, as text
    "ends with a backslash\\",
    "\\t\\n literally",
    "quote \" and ' apostrophe",
    "ünïcödé — ✓ 𝄞",
    "",
    " ",
    "\x01\x1f control",
    "comma, semi; pipe | brace { } bracket [ ]",
]


def test_hostile_text_and_json_read_back_as_written(db, system):
    # given events whose message and data hold every character COPY or SQL treat specially
    rows = [
        {
            "subject_id": n,
            "customer_id": None if n % 2 else n,
            "message": text,
            "data": {
                text: text,
                "list": [text, None, True, False, 0, -1, 1.5, {"nested": text}],
                "number": "12.30",
            },
        }
        for n, text in enumerate(HOSTILE)
    ]
    at = datetime(2027, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    # when they are inserted on the fast path
    bulk_insert_rows(
        Event, rows, same=event_common(actor=system, action="test.hostile", subject_type="t", at=at)
    )
    # then each reads back exactly, the JSON included
    saved = Event.objects.filter(action="test.hostile").order_by("subject_id")
    assert [(e.subject_id, e.customer_id, e.message, e.data, e.at) for e in saved] == [
        (r["subject_id"], r["customer_id"], r["message"], r["data"], at) for r in rows
    ]


def test_decimals_dates_and_nulls_read_back_as_written(db, customer):
    # given ledger entries with amounts, dates, a null and text to escape
    rows = [
        {
            "customer_id": customer.pk,
            "currency": "GBP",
            "amount": Decimal(amount),
            "kind": CreditEntry.Kind.ADDED,
            "reason": f"reason\t{amount}\\\n",
            "invoice_id": None,
            "created_on": date(2027, 2, 28),
            "created_at": datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC),
        }
        for amount in ("0.01", "-12.30", "999999999999.99", "-0.10")
    ]
    # when they are inserted on the fast path
    bulk_insert_rows(CreditEntry, rows)
    # then they read back as given
    saved = CreditEntry.objects.filter(customer=customer).order_by("pk")
    assert [(e.amount, e.reason, e.invoice_id, e.created_on, e.created_at) for e in saved] == [
        (r["amount"], r["reason"], None, r["created_on"], r["created_at"]) for r in rows
    ]


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1, 2.5, None, True], "c": {"d": 'é\n\t\\"x'}},
        {"invoice_id": 12345},
        ["x", 1, -2.5, 0.1],
        "a lone string",
        12,
        {},
        [],
    ],
)
def test_json_text_is_what_json_dumps_gives(db, system, value):
    # given a JSON value; when it is inserted on the fast path
    bulk_insert_rows(
        Event,
        [{"subject_id": 1, "customer_id": None, "message": "", "data": value}],
        same=event_common(actor=system, action="test.json", subject_type="t"),
    )
    # then the stored text is json.dumps's (compared as text where the database keeps it)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM core_event WHERE action = 'test.json'")
        (stored,) = cursor.fetchone()
    if connection.vendor == "sqlite":
        assert stored == json.dumps(value)
    else:  # jsonb keeps the value, not the text
        assert (json.loads(stored) if isinstance(stored, str) else stored) == value


def test_a_value_json_cannot_encode_is_refused(db, system):
    # given a value json.dumps refuses
    with pytest.raises(TypeError, match="not JSON serializable"):
        # when it is inserted on the fast path, then it is refused the same way
        bulk_insert_rows(
            Event,
            [{"subject_id": 1, "customer_id": None, "message": "", "data": {"x": Decimal(1)}}],
            same=event_common(actor=system, action="test.json", subject_type="t"),
        )


def test_gc_spaced_restores_the_collector_as_it_was():
    # given the collector's thresholds and nothing frozen
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    # when bulk work runs with the collector spaced out
    with gc_spaced():
        assert gc.get_threshold()[0] > before[0]
        assert gc.get_freeze_count() > 0
    # then the thresholds are back and nothing is left frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_gc_spaced_blocks_that_overlap_in_two_threads_restore_the_collector_once_both_end():
    # given two runs of bulk work in two threads, the first ending while the second runs
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def first() -> None:
        with gc_spaced():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with gc_spaced():
            second_in.set()
            first_out.wait(5)
            # while the second still runs, the collector stays spaced out and frozen
            seen["threshold"], seen["frozen"] = gc.get_threshold(), gc.get_freeze_count()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # then the second saw the spaced-out collector, and both ended with it as it was
    assert seen["threshold"][0] > before[0]  # type: ignore[index]
    assert seen["frozen"] > 0  # type: ignore[operator]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_ids_taken_are_those_the_database_gives_next(db, system):
    # given an event inserted the usual way
    first = event_record(actor=system, action="test.ids", subject=system_subject(), message="")
    # when ids are taken for three events and the rows inserted with them
    ids = ids_take(Event, 3)
    rows = [
        {"id": pk, "subject_id": 1, "customer_id": None, "message": "", "data": {}} for pk in ids
    ]
    bulk_insert_rows(
        Event, rows, same=event_common(actor=system, action="test.ids", subject_type="t")
    )
    # then they follow the last one, and the database goes on after them
    after = event_record(actor=system, action="test.ids", subject=system_subject(), message="")
    assert ids == [first.pk + 1, first.pk + 2, first.pk + 3]
    assert after.pk > ids[-1]
    assert list(
        Event.objects.filter(action="test.ids").values_list("pk", flat=True).order_by("pk")
    ) == [
        first.pk,
        *ids,
        after.pk,
    ]


def system_subject():
    from fairbill.core.models import BusinessSettings

    return BusinessSettings.load()


def test_many_rows_are_written_in_full_and_in_order(db, system):
    # given more rows than one statement takes, and a count that is no power of two
    count = 3 * ROWS_PER_STATEMENT + 77
    rows = [
        {"subject_id": n, "customer_id": None, "message": f"row {n}", "data": {"n": n}}
        for n in range(count)
    ]
    # when they are inserted on the fast path
    bulk_insert_rows(
        Event, rows, same=event_common(actor=system, action="test.many", subject_type="t")
    )
    # then every row is there once, in the order given (ids follow the rows)
    saved = Event.objects.filter(action="test.many").order_by("pk")
    assert [(e.subject_id, e.message, e.data) for e in saved] == [
        (r["subject_id"], r["message"], r["data"]) for r in rows
    ]


def test_rows_written_behind_are_there_for_the_next_statement(db, system):
    # given events inserted inside writes_behind
    rows = [{"subject_id": n, "customer_id": None, "message": "", "data": {}} for n in range(600)]
    with transaction.atomic(), writes_behind():
        bulk_insert_rows(
            Event, rows, same=event_common(actor=system, action="test.behind", subject_type="t")
        )
        # when the next statement in the block reads them, then they are all there
        assert Event.objects.filter(action="test.behind").count() == 600
        bulk_insert_rows(
            Event, rows, same=event_common(actor=system, action="test.behind2", subject_type="t")
        )
    # and what was sent last is written when the block ends
    assert Event.objects.filter(action="test.behind2").count() == 600


def test_an_insert_written_behind_that_fails_raises_in_the_block_and_stops_the_rest(db, system):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("written behind on SQLite only")
    # given a first insert that breaks a constraint and a second one after it
    taken = event_record(actor=system, action="test.fail", subject=system_subject(), message="")
    clash = [{"id": taken.pk, "subject_id": 1, "customer_id": None, "message": "", "data": {}}]
    later = [{"subject_id": 2, "customer_id": None, "message": "", "data": {}}]
    same = event_common(actor=system, action="test.after", subject_type="t")

    def both_behind() -> None:
        with transaction.atomic(), writes_behind():
            bulk_insert_rows(Event, clash, same=same)
            bulk_insert_rows(Event, later, same=same)

    # when both are written behind, then the block raises the database's IntegrityError
    with pytest.raises(IntegrityError):
        both_behind()
    # and the insert sent after the failed one was not written
    assert not Event.objects.filter(action="test.after").exists()


def test_with_the_write_thread_off_inserts_are_written_in_the_callers_thread(
    db, system, settings, monkeypatch
):
    from fairbill.core import bulk

    settings.BILLING_WRITE_THREAD = False
    started: list[object] = []
    monkeypatch.setattr(bulk, "_Writer", lambda connection: started.append(connection))
    rows = [{"subject_id": n, "customer_id": None, "message": "", "data": {}} for n in range(300)]
    with transaction.atomic(), writes_behind():
        bulk_insert_rows(
            Event, rows, same=event_common(actor=system, action="test.inline", subject_type="t")
        )
        assert Event.objects.filter(action="test.inline").count() == 300
    assert started == []  # no writer thread
