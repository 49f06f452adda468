"""What every router uses: the privilege check, 404s by id, API field names in errors, files
as attachments (core.downloads.attachment, here for the routers)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from fairbill.api.fields import MAX_ID
from fairbill.core.actors import Actor
from fairbill.core.downloads import attachment
from fairbill.core.errors import FairbillError, NotFound


def require(request: HttpRequest, privilege: str) -> Actor:
    """The acting API key's actor, if its staff user has the privilege; 403 otherwise."""
    if not request.user.has_privilege(privilege):  # type: ignore[union-attr]
        raise DjangoPermissionDenied(f"This API key's user lacks the '{privilege}' privilege.")
    return request.actor  # type: ignore[attr-defined,no-any-return]


__all__ = ["attachment", "fields_named", "object_or_404", "pdf_openapi", "require", "xml_openapi"]

M = TypeVar("M", bound=Model)


def object_or_404(source: type[M] | QuerySet[M], pk: int, what: str) -> M:
    """The object with this id (from a model or a queryset), or a 404 naming what it is."""
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
    found = queryset.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if found is None:
        raise NotFound(f"No {what} with id {pk}.")
    return found


@contextmanager
def fields_named(**names: str) -> Iterator[None]:
    """Name the API's fields in the errors of services that name their own arguments:
    `with fields_named(package="package_id"): ...` turns "package: …" into "package_id: …"."""
    try:
        yield
    except FairbillError as exc:
        if exc.field in names:
            field = names[exc.field]
            if exc.message.startswith(f"{exc.field}:"):
                exc.message = field + exc.message[len(exc.field) :]
                exc.args = (exc.message,)
            exc.field = field
        raise


def pdf_openapi(what: str) -> dict[str, Any]:
    """The OpenAPI description of an endpoint answering a PDF file."""
    pdf = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {
            "200": {"description": f"The {what} as a PDF file", "content": {"application/pdf": pdf}}
        }
    }


def xml_openapi(description: str) -> dict[str, Any]:
    """The OpenAPI description of an endpoint answering an XML file (an e-invoice)."""
    xml = {"schema": {"type": "string"}}
    return {"responses": {"200": {"description": description, "content": {"application/xml": xml}}}}
