"""Small helpers shared by the back-office views."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest

from fairbill.catalog.models import Cycle
from fairbill.core.errors import FairbillError, InvalidInput
from fairbill.core.keyset import cursor_for, estimated_count, keyset_page

PER_PAGE = 25
# Cycles from the shortest to the longest, to list prices in a natural order.
CYCLE_ORDER = {cycle: position for position, cycle in enumerate(Cycle.values)}
# Service messages start with the field's name ("VAT number: ..."); on the field it is noise.
_FIELD_PREFIX = re.compile(r"^[A-Za-z][\w /&-]{0,40}: ")


def show_error(form: forms.BaseForm, exc: FairbillError) -> None:
    """Put a service's error on the form field it names, or on top of the form."""
    field = exc.field if exc.field in form.fields else None
    message = exc.message
    if field:
        stripped = _FIELD_PREFIX.sub("", message, count=1)
        message = stripped[:1].upper() + stripped[1:] if stripped else message
    form.add_error(field, message)


@dataclass
class ListPage:
    """A page of a list: its rows, the cursors of the pages before and after it, and the
    list's count (exact up to EXACT_COUNT_LIMIT rows, estimated above)."""

    object_list: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_exact: bool
    first: bool


def paginate(request: HttpRequest, items: QuerySet, per_page: int = PER_PAGE) -> ListPage:
    """The page after ?after=<cursor> (or before ?before=), in the queryset's order, found by
    keyset so a deep page costs what the first one does; ?page=N still works (by offset).
    A cursor that is not one of ours gives the first page."""
    ordering = list(items.query.order_by or items.model._meta.ordering)
    if ordering[-1].lstrip("-") not in ("id", "pk"):
        ordering.append("-id" if ordering[-1].startswith("-") else "id")
    count, exact = estimated_count(items)
    after, before = request.GET.get("after"), request.GET.get("before")
    number = request.GET.get("page", "")
    last = False
    if not (after or before) and number.isdigit() and int(number) > 1:
        # A page-number link: the page by offset (past the end: the last page).
        offset = (int(number) - 1) * per_page
        anchor = items.order_by(*ordering)[offset - 1 : offset].first()
        after, last = (cursor_for(anchor, ordering), False) if anchor else (None, True)
    try:
        page = keyset_page(items, ordering, size=per_page, after=after, before=before, last=last)
    except InvalidInput:
        page = keyset_page(items, ordering, size=per_page)
    return ListPage(
        object_list=page.items,
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
        count=count,
        count_exact=exact,
        first=page.previous_cursor is None,
    )
