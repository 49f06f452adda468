"""Related rows read for a whole list at once, kept as plain lists.

`prefetch_related("lines")` makes Django build and filter a queryset on every object of the
list to hold its lines: for 50 invoices with five relations, 250 querysets, a quarter of the
API list's time. A `Prefetch` with `to_attr` keeps a plain list on each object instead.
`listed("lines", "taxes", options=<queryset>)` asks for those lists (a relation given with
a queryset is read with it, e.g. with its own select_related); `rows(obj, "lines")` reads
one (or reads the rows now, for an object that was not fetched that way).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

SUFFIX = "_listed"


def listed(*names: str, **querysets: QuerySet[Any]) -> list[Prefetch]:
    plain = [Prefetch(name, to_attr=name + SUFFIX) for name in names]
    return plain + [
        Prefetch(name, queryset=queryset, to_attr=name + SUFFIX)
        for name, queryset in querysets.items()
    ]


def rows(obj: Any, name: str) -> list[Any]:
    found = getattr(obj, name + SUFFIX, None)
    return found if found is not None else list(getattr(obj, name).all())
