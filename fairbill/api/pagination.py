"""Lists: {"items": [...], "count": N} with ?limit= (default 50, at most 200) and ?offset=.

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

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "paginate"]


class Page(PaginationBase):
    """Offset pagination; a limit above the maximum is lowered to it."""

    class Input(Schema):
        limit: int = Field(
            DEFAULT_LIMIT, ge=1, le=MAX_INT, description=f"at most {MAX_LIMIT} items"
        )
        offset: int = Field(0, ge=0, le=MAX_INT)

    class Output(Schema):
        items: list[Any]
        count: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        limit = min(pagination.limit, MAX_LIMIT)
        offset = pagination.offset
        return {
            "items": list(queryset[offset : offset + limit]),
            "count": self._items_count(queryset),
        }
