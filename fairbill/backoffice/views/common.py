"""Small helpers shared by the back-office views."""

from __future__ import annotations

import re

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest

from fairbill.catalog.models import Cycle
from fairbill.core.errors import FairbillError
from fairbill.core.keyset import ListPage, list_page

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


def paginate(request: HttpRequest, items: QuerySet, per_page: int = PER_PAGE) -> ListPage:
    """The page after ?after=<cursor> (or before ?before=), by keyset; ?page=N still works."""
    return list_page(items, request.GET, size=per_page)
