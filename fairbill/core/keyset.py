"""Keyset (cursor) pagination: the next page starts after the last row shown, found through
the ordering's index, so page 40,000 costs what page 1 costs, and rows inserted or removed
between two fetches neither repeat nor skip a row.

A cursor is the values of the ordering fields of a row (the last row of a page), as an
opaque URL-safe string. The ordering must end with a unique field (`id`) and name only the
model's own fields; NULLs sort as the database sorts them (largest on PostgreSQL, smallest on
SQLite), and the conditions follow.

    page = keyset_page(Invoice.objects.all(), ["-issue_date", "-id"], after=cursor, size=25)
    page.items, page.next_cursor, page.previous_cursor
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils import timezone

from fairbill.core.errors import InvalidInput
from fairbill.core.validation import text_problem

M = TypeVar("M", bound=models.Model)
# Up to this many rows a list's count is exact; above it PostgreSQL's estimate is used.
EXACT_COUNT_LIMIT = 1_000
PAGE_NUMBER = re.compile(r"[0-9]{1,10}")  # ASCII digits: str.isdigit() takes "²" too


@dataclass
class KeysetPage(Generic[M]):
    items: list[M]
    next_cursor: str | None  # None on the last page
    previous_cursor: str | None  # None on the first page


def cursor_for(obj: models.Model, ordering: Sequence[str]) -> str:
    """The cursor just after `obj` in `ordering`."""
    return _encode([getattr(obj, _field(type(obj), name).attname) for name in ordering])


def _encode(values: list[Any]) -> str:
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(model: type[models.Model], ordering: Sequence[str], cursor: str) -> list[Any]:
    """The ordering values in a cursor; a cursor that is not one of ours is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw, parse_constant=_refuse_constant)
        if not isinstance(values, list) or len(values) != len(ordering):
            raise ValueError
        return [
            None if value is None else _in_range(_field(model, name).to_python(_checked(value)))
            for name, value in zip(ordering, values, strict=True)
        ]
    except (ValueError, TypeError, OverflowError, binascii.Error, ValidationError):
        raise InvalidInput("cursor: not a cursor this list gave out.", "cursor") from None


def _in_range(value: Any) -> Any:
    """A moment the database can take: one whose UTC time is within years 1 to 9999 (a
    cursor's "9999-12-31T23:59:59-14:00" is not, and would fail in the query)."""
    if isinstance(value, datetime):  # OverflowError when out of range
        (value if value.tzinfo else timezone.make_aware(value)).astimezone(UTC)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a value a cursor holds")


def _checked(value: Any) -> Any:
    """A cursor value a database can compare with: no text it can't store, no number
    beyond a 64-bit integer or a finite float (1e999 is infinity)."""
    if isinstance(value, str) and text_problem(value):
        raise ValueError
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise ValueError
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ValueError
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError
    return value


def keyset_page(
    queryset: QuerySet[M],
    ordering: Sequence[str],
    *,
    size: int,
    after: str | None = None,
    before: str | None = None,
    last: bool = False,
) -> KeysetPage[M]:
    """`size` rows after the cursor `after`, or just before `before`, or the last rows, or
    else the first rows."""
    model = queryset.model
    backwards = last or (bool(before) and not after)
    order = [_reverse(name) for name in ordering] if backwards else list(ordering)
    cursor = None if last else before if backwards else after
    rows = queryset.order_by(*order)
    if cursor:
        items = _rows_after(model, rows, order, decode_cursor(model, ordering, cursor), size + 1)
    else:
        items = list(rows[: size + 1])
    more = len(items) > size
    items = items[:size]
    if backwards:
        items.reverse()
        more_before, more_after = more, not last
    else:
        more_before, more_after = bool(cursor), more
    return KeysetPage(
        items=items,
        next_cursor=cursor_for(items[-1], ordering) if items and more_after else None,
        previous_cursor=cursor_for(items[0], ordering) if items and more_before else None,
    )


@dataclass
class ListPage:
    """A page of a list for a template: its rows, the cursors of the pages before and after
    it, and the list's count (exact up to EXACT_COUNT_LIMIT rows, estimated above)."""

    object_list: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_exact: bool
    first: bool


def list_page(items: QuerySet[M], params: Mapping[str, str], *, size: int) -> ListPage:
    """The page a request asks for, in the queryset's order: ?after=<cursor> or
    ?before=<cursor>, or ?page=N (older links: found by offset; past the end, the last page);
    a cursor that is not one of ours gives the first page."""
    ordering = [str(name) for name in items.query.order_by or items.model._meta.ordering or []]
    if not ordering or ordering[-1].lstrip("-") not in ("id", "pk"):
        ordering.append("-id" if ordering and ordering[-1].startswith("-") else "id")
    count, exact = estimated_count(items)
    after, before = params.get("after"), params.get("before")
    number = params.get("page", "")
    last = False
    if not (after or before) and PAGE_NUMBER.fullmatch(number) and 1 < int(number) < 10**9:
        offset = (int(number) - 1) * size
        # Only the ordering's columns: PostgreSQL skips the rows in the index alone.
        names = [_field(items.model, name).attname for name in ordering]
        anchor = items.order_by(*ordering).values_list(*names)[offset - 1 : offset].first()
        after, last = (_encode(list(anchor)), False) if anchor else (None, True)
    try:
        page = keyset_page(items, ordering, size=size, after=after, before=before, last=last)
    except InvalidInput:
        page = keyset_page(items, ordering, size=size)
    return ListPage(
        object_list=page.items,
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
        count=count,
        count_exact=exact,
        first=page.previous_cursor is None,
    )


def _rows_after(
    model: type[models.Model],
    rows: QuerySet[M],
    order: Sequence[str],
    values: Sequence[Any],
    count: int,
) -> list[M]:
    """`count` rows after `values`. When the first field's NULLs come after a value (SQLite,
    descending), the rows with a value and the NULL rows are read by two range queries: one
    condition with `OR field IS NULL` would keep the database from starting its index scan
    at the cursor."""
    first = _field(model, order[0])
    descending = order[0].startswith("-")
    nulls_after = first.null and connection.features.nulls_order_largest != descending
    if not (nulls_after and values[0] is not None):
        return list(rows.filter(after_q(model, order, values))[:count])
    found = list(rows.filter(after_q(model, order, values, nulls_first_field=False))[:count])
    if len(found) < count:
        found += list(rows.filter(**{f"{first.attname}__isnull": True})[: count - len(found)])
    return found


def after_q(
    model: type[models.Model],
    ordering: Sequence[str],
    values: Sequence[Any],
    *,
    nulls_first_field: bool = True,
) -> Q:
    """Rows strictly after `values` in `ordering`:
    f1 after v1, or f1 = v1 and (f2 after v2, or f2 = v2 and ...); the first field's bound
    (f1 at or after v1, a plain range) is ANDed in so the database starts its index scan
    there instead of filtering every row before it."""
    nulls_largest = connection.features.nulls_order_largest
    parts = []
    for position, (name, value) in enumerate(zip(ordering, values, strict=True)):
        field = _field(model, name)
        descending = name.startswith("-")
        # Where NULLs come in this direction: only a nullable field has any (and the first
        # field's are left out when the caller reads them apart).
        nullable = field.null and (nulls_first_field or position > 0)
        nulls_last = nullable and nulls_largest != descending
        parts.append((field.attname, descending, value, nulls_last, nullable))
    condition = _strictly_after(*parts[-1])
    for part in reversed(parts[:-1]):
        condition = _strictly_after(*part) | (_equal(part[0], part[2]) & condition)
    name, descending, value, nulls_last, nullable = parts[0]
    if value is None:
        start = Q(**{f"{name}__isnull": True}) if nulls_last else Q()
    else:
        start = Q(**{f"{name}__lte" if descending else f"{name}__gte": value})
        if nulls_last:
            start |= Q(**{f"{name}__isnull": True})
    return start & condition


def _strictly_after(name: str, descending: bool, value: Any, nulls_last: bool, nullable: bool) -> Q:
    if value is None:  # after a NULL: the other NULLs are equal, the values come first or last
        return Q(pk__in=[]) if nulls_last else Q(**{f"{name}__isnull": False})
    beyond = Q(**{f"{name}__lt" if descending else f"{name}__gt": value})
    return beyond | Q(**{f"{name}__isnull": True}) if nulls_last else beyond


def _equal(name: str, value: Any) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def _reverse(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _field(model: type[models.Model], name: str) -> Any:
    name = name.lstrip("-")
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, a country: their text, read back by the field


def estimated_count(queryset: QuerySet[Any]) -> tuple[int, bool]:
    """(count, exact). On PostgreSQL: counted exactly when the planner expects at most
    EXACT_COUNT_LIMIT rows (through a LIMIT, so it never reads more), else the planner's
    estimate (an exact COUNT over a million rows is itself slow). On SQLite: exact."""
    rows = queryset.order_by()
    if connection.vendor != "postgresql":
        return rows.count(), True
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (an empty IN list)
        return 0, True
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if estimate > EXACT_COUNT_LIMIT:
        return estimate, False
    capped = rows[: EXACT_COUNT_LIMIT + 1].count()
    return (capped, True) if capped <= EXACT_COUNT_LIMIT else (max(estimate, capped), False)
