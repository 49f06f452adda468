"""`Idempotency-Key` for POSTs: a retried request returns the first response, once.

    @router.post("/things", response={201: ThingOut})
    @idempotent
    def thing_create(request, payload: ThingIn): ...

The key is claimed (a row in IdempotentRequest, unique per API key) in the same transaction
as the work, before the work. A concurrent request with the same key waits on that row and,
when the first commits, replays its response; if the first fails, nothing is stored and the
key can be used again. A reused key with a different method, path or body is refused (422).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja.decorators import decorate_view
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback

from fairbill.accounts.models import ApiKey
from fairbill.api.models import IdempotentRequest
from fairbill.core import clock

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "\\S"},
    "description": "Send the same key to retry safely: the first response is returned "
    "again and the work is done once.",
}


class _Discard(Exception):
    """Roll back the claim: the request did not succeed, so nothing is remembered."""

    def __init__(self, response: HttpResponseBase):
        self.response = response


class _Claimed(Exception):
    """Another request already holds this key."""


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a POST endpoint honour the Idempotency-Key header."""
    contribute_operation_callback(view, _document)
    return decorate_view(_run_once_wrapper)(view)


def _document(operation: Operation) -> None:
    extra = operation.openapi_extra or {}
    extra.setdefault("parameters", []).append(OPENAPI_PARAMETER)
    operation.openapi_extra = extra


def _run_once_wrapper(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    # ninja re-applies this to each mounted copy of the operation: `run` is bound to it.
    operation: Operation = run.__self__  # type: ignore[attr-defined]

    @wraps(run)
    def run_once(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        return _run_once(operation, run, request, **kwargs)

    return run_once


def _run_once(
    operation: Operation, run: Callable[..., HttpResponseBase], request: HttpRequest, **kwargs: Any
) -> HttpResponseBase:
    key = request.headers.get(HEADER)
    api_key = _api_key(operation, request) if key is not None else None
    if key is None or api_key is None:
        return run(request, **kwargs)  # no key, or not authenticated: run answers 401
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return _refuse(
            operation,
            request,
            f"{HEADER}: give 1 to {MAX_KEY_LENGTH} characters.",
        )
    fingerprint = _fingerprint(request)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        api_key=api_key,
                        key=key,
                        fingerprint=fingerprint,
                        status=0,
                        body="",
                        created_at=clock.now(),
                    )
            except IntegrityError:
                raise _Claimed from None
            response = run(request, **kwargs)
            if not 200 <= response.status_code < 300 or not isinstance(response, HttpResponse):
                raise _Discard(response)
            record.status = response.status_code
            record.body = response.content.decode()
            record.save(update_fields=["status", "body"])
            return response
    except _Discard as discarded:
        return discarded.response
    except _Claimed:
        return _replay(operation, request, api_key, key, fingerprint)


def _replay(
    operation: Operation, request: HttpRequest, api_key: ApiKey, key: str, fingerprint: str
) -> HttpResponseBase:
    stored = IdempotentRequest.objects.get(api_key=api_key, key=key)
    if stored.fingerprint != fingerprint:
        return _refuse(
            operation,
            request,
            f"{HEADER}: this key was already used with a different request; "
            "use a new key for a new request.",
        )
    response = HttpResponse(stored.body, status=stored.status, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def _api_key(operation: Operation, request: HttpRequest) -> ApiKey | None:
    for auth in operation.auth_callbacks:
        result = auth(request)
        if isinstance(result, ApiKey):
            return result
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\n" + request.get_full_path().encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _refuse(operation: Operation, request: HttpRequest, detail: str) -> HttpResponse:
    return operation.api.create_response(
        request, {"detail": detail, "code": "idempotency_key", "field": HEADER}, status=422
    )
