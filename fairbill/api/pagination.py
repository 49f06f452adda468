"""Lists: {"items": [...], "count": N, "next_cursor": "..."} with ?limit= (default 50, at most
200), and ?cursor= (the `next_cursor` of the page before: keyset pagination, as fast on the
last page as on the first, and no row repeated or skipped when rows are added between two
fetches) or ?offset= (kept for small lists and older clients). `count` is exact (on PostgreSQL,
up to 1,000 rows; above, the planner's estimate: `count_exact` says which).

Use it on any list endpoint that returns a queryset in a stable order:

    @router.get("/things", response=list[ThingOut])
    @paginate(Page)
    def thing_list(request): return Thing.objects.order_by("name", "id")
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase, paginate

from fairbill.api.fields import MAX_INT
from fairbill.core.keyset import cursor_for, estimated_count, keyset_page

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "paginate"]


class Page(PaginationBase):
    """Keyset pagination by ?cursor=, or offset; a limit above the maximum is lowered to it."""

    class Input(Schema):
        limit: int = Field(
            DEFAULT_LIMIT, ge=1, le=MAX_INT, description=f"at most {MAX_LIMIT} items"
        )
        offset: int = Field(0, ge=0, le=MAX_INT, description="ignored with a cursor")
        cursor: str | None = Field(
            None, max_length=1000, description="the next_cursor of the previous page"
        )

    class Output(Schema):
        items: list[Any]
        count: int
        count_exact: bool = Field(description="false: count is an estimate")
        next_cursor: str | None = Field(description="for ?cursor= to get the next page; none last")

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        limit = min(pagination.limit, MAX_LIMIT)
        if not isinstance(queryset, QuerySet):
            items = list(queryset)
            page = items[pagination.offset : pagination.offset + limit]
            return {"items": page, "count": len(items), "count_exact": True, "next_cursor": None}
        ordering = [
            str(name) for name in queryset.query.order_by or queryset.model._meta.ordering or []
        ]
        if not ordering or ordering[-1].lstrip("-") not in ("id", "pk"):
            ordering.append("id")
        count, exact = estimated_count(queryset)
        if pagination.cursor or not pagination.offset:
            page = keyset_page(queryset, ordering, size=limit, after=pagination.cursor)
            items, next_cursor = page.items, page.next_cursor
        else:
            rows = list(
                queryset.order_by(*ordering)[pagination.offset : pagination.offset + limit + 1]
            )
            more = len(rows) > limit
            items = rows[:limit]
            next_cursor = cursor_for(items[-1], ordering) if more and items else None
        return {"items": items, "count": count, "count_exact": exact, "next_cursor": next_cursor}
