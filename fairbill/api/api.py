"""The REST API at /api/v1: one NinjaAPI, one router per domain, bearer API keys.
The routers' shared helpers are in fairbill/api/helpers.py (they import nothing of this)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from fairbill.accounts.services import api_key_authenticate
from fairbill.api import (
    automatic_payments,
    billing,
    business,
    catalog,
    changes,
    credit_notes,
    customers,
    estimates,
    events,
    invoices,
    payments,
    subscriptions,
)
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
    extra: dict[str, Any] = {"field": exc.field} if exc.field else {}
    if exc.errors:
        extra["errors"] = exc.errors
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


# One router per domain (the Basecamp plugin mounts its own, see fairbill/urls.py).
api.add_router("", business.router)
api.add_router("", business.tax_rates)
api.add_router("", catalog.packages)
api.add_router("", catalog.options)
api.add_router("", customers.router)
api.add_router("", subscriptions.router)
api.add_router("", changes.router)
api.add_router("", invoices.router)
api.add_router("", estimates.router)
api.add_router("", credit_notes.router)
api.add_router("", automatic_payments.router)
api.add_router("", payments.router)
api.add_router("", billing.router)
api.add_router("", events.router)
