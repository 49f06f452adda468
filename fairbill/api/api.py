"""The REST API at /api/v1: one NinjaAPI, one router per domain, bearer API keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from fairbill.accounts.services import api_key_authenticate
from fairbill.api.fields import MAX_ID
from fairbill.api.openapi import document_errors
from fairbill.core.actors import Actor
from fairbill.core.errors import FairbillError, NotFound


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            key = api_key_authenticate(token)
        except NotFound:
            return None
        request.user = key.user
        request.actor = Actor.api(key.user, key.name)  # type: ignore[attr-defined]
        return key


class FairbillApi(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        prefix = path_prefix if path_prefix is not None else self.get_root_path(path_params or {})
        document_errors(schema, prefix.rstrip("/"))
        return schema


api = FairbillApi(
    title="Fairbill API",
    version="1",
    description="Customers, packages, subscriptions, invoices and payments. "
    "Authenticate with `Authorization: Bearer <api key>` (create one with "
    "`fairbill apikey create --staff USERNAME`). Input is strict: money, rates and quantities "
    'are decimal strings of ASCII digits ("12.50"), dates "YYYY-MM-DD" strings, booleans JSON '
    "true/false, whole numbers JSON integers; anything else is a 422. Errors are "
    '`{"detail": "...", "code": "..."}` (see the Error schema).',
    auth=ApiKeyAuth(),
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, detail: str, code: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(FairbillError)
def _fairbill_error(request: HttpRequest, exc: FairbillError) -> HttpResponse:
    if isinstance(exc, NotFound) and exc.field:
        # An id given in the body that doesn't exist is invalid input, not a missing page.
        message = exc.message
        if not message.lower().startswith(exc.field.lower()):
            message = f"{exc.field}: {message[:1].lower()}{message[1:]}"
        return _error(request, 422, message, "invalid", field=exc.field)
    extra = {"field": exc.field} if exc.field else {}
    return _error(request, exc.status, exc.message, exc.code, **extra)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, 401, "Give a valid API key: Authorization: Bearer <key>.", "unauthenticated"
    )


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc) or "Not allowed.", "forbidden")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.", "not_found")


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    messages = []
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "payload"))
        messages.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg"))
    return _error(
        request,
        422,
        "; ".join(m for m in messages if m) or "Invalid input.",
        "invalid",
        errors=exc.errors,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc), "error")


def require(request: HttpRequest, privilege: str) -> Actor:
    """The acting API key's actor, if its staff user has the privilege; 403 otherwise."""
    if not request.user.has_privilege(privilege):  # type: ignore[union-attr]
        raise DjangoPermissionDenied(f"This API key's user lacks the '{privilege}' privilege.")
    return request.actor  # type: ignore[attr-defined,no-any-return]


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


# Routers register themselves here, one per domain.
from fairbill.api import routers  # noqa: E402,F401
