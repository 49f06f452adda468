"""Keyset pagination: following the cursors visits every row once, in order, even when rows
are added between two page fetches, and whatever NULLs the ordering field holds."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairbill.core.errors import InvalidInput
from fairbill.core.keyset import cursor_for, decode_cursor, keyset_page, list_page
from fairbill.customers.models import Customer
from fairbill.invoicing.models import Invoice

ORDER = ["-issue_date", "-id"]
NOW = datetime(2027, 1, 1, tzinfo=UTC)
# An issue date (a few days, so many ties) or None (a draft: no date).
DAYS = st.one_of(st.none(), st.integers(min_value=0, max_value=4))


def _customer() -> Customer:
    return Customer.objects.create(
        name="Keyset", email="k@example.com", country="GB", currency="GBP",
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _add(customer: Customer, day: int | None) -> int:
    number = Invoice.objects.count() + 1
    invoice = Invoice.objects.create(
        customer=customer,
        kind="manual",
        currency="GBP",
        created_at=NOW,
        status="draft" if day is None else "unpaid",
        number=None if day is None else f"K-{number:06d}-{Invoice.objects.count()}",
        issue_date=None if day is None else date(2027, 1, 1) + timedelta(days=day),
    )
    return invoice.pk


def _in_order(ids: list[int]) -> list[int]:
    return list(Invoice.objects.filter(pk__in=ids).order_by(*ORDER).values_list("pk", flat=True))


@pytest.mark.django_db(transaction=False)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.lists(DAYS, min_size=0, max_size=25),
    added=st.lists(st.lists(DAYS, max_size=3), max_size=8),
    size=st.integers(min_value=1, max_value=6),
)
def test_cursors_visit_every_row_once_while_rows_are_added(first, added, size):
    Invoice.objects.all().delete()
    customer = Customer.objects.first() or _customer()
    # given some invoices (drafts without a date among them)
    existing = [_add(customer, day) for day in first]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        # when a page is fetched, then more invoices are added before the next fetch
        page = keyset_page(Invoice.objects.all(), ORDER, size=size, after=cursor)
        seen += [i.pk for i in page.items]
        for day in added[pages] if pages < len(added) else []:
            _add(customer, day)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
        assert pages < 200
    # then no invoice was shown twice, every invoice there at the start was shown, and the
    # pages followed one another in the list's order
    assert len(seen) == len(set(seen))
    assert set(existing) <= set(seen)
    assert seen == _in_order(seen)


@pytest.mark.django_db
def test_previous_cursor_goes_back_to_the_page_before(business):
    customer = _customer()
    for day in [0, 1, None, 2, 2, 3, None, 4]:
        _add(customer, day)
    rows = Invoice.objects.all()
    first = keyset_page(rows, ORDER, size=3)
    second = keyset_page(rows, ORDER, size=3, after=first.next_cursor)
    back = keyset_page(rows, ORDER, size=3, before=second.previous_cursor)
    assert [i.pk for i in back.items] == [i.pk for i in first.items]
    assert back.previous_cursor is None
    last = keyset_page(rows, ORDER, size=3, last=True)
    assert last.next_cursor is None
    assert [i.pk for i in last.items] == _in_order([i.pk for i in rows])[-3:]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64!",
        "bnVsbA",
        "WzFd",
        "WyJ4IiwieSJd",
        "WyIyMDI0LTAxLTAxIiwxZTk5OV0",  # ["2024-01-01",1e999]: an infinite id
        "WyIyMDI0LTAxLTAxIixJbmZpbml0eV0",  # ["2024-01-01",Infinity]
        "WyIyMDI0LTAxLTAxIiw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OV0",  # an id past 64 bits
    ],
)
def test_a_forged_or_broken_cursor_is_refused(business, cursor):
    with pytest.raises(InvalidInput):
        decode_cursor(Invoice, ORDER, cursor or "=")


@pytest.mark.django_db
def test_a_cursor_reads_back_its_values(business):
    customer = _customer()
    invoice = Invoice.objects.get(pk=_add(customer, 3))
    assert decode_cursor(Invoice, ORDER, cursor_for(invoice, ORDER)) == [
        invoice.issue_date,
        invoice.pk,
    ]


@pytest.mark.django_db
def test_a_cursor_with_text_a_database_cannot_store_is_refused(business):
    # ["x\u0000", 1]: NUL in a name, which PostgreSQL refuses with a server error
    with pytest.raises(InvalidInput):
        decode_cursor(Customer, ["name", "id"], "WyJ4XHUwMDAwIiwxXQ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59"]
)
def test_a_cursor_with_a_moment_beyond_the_calendar_in_utc_is_refused(business, moment, settings):
    settings.TIME_ZONE = "Pacific/Pago_Pago"  # UTC-11: the naive moment is past year 9999 too
    cursor = base64.urlsafe_b64encode(json.dumps([moment, 1]).encode()).decode().rstrip("=")
    with pytest.raises(InvalidInput):
        decode_cursor(Customer, ["created_at", "id"], cursor)


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["²", "١٢", "３", "99999999999999999999"])
def test_a_page_number_that_is_not_plain_digits_gives_the_first_page(business, number):
    customer = _customer()
    for n in range(3):
        _add(customer, n)
    page = list_page(Invoice.objects.order_by("-issue_date", "-id"), {"page": number}, size=2)
    assert (len(page.object_list), page.first) == (2, True)
