"""What the OpenAPI document adds to ninja's: every error answer each operation can give, in
the one error format, and links from a created resource to the operations that take its id.

Kept exact by Schemathesis in CI (see docs/api.md): a status code the server answers and the
document doesn't list fails the build.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "description": "what is wrong, for a person"},
        "code": {
            "type": "string",
            "description": "stable, for programs: invalid, not_found, refused, forbidden, "
            "unauthenticated, idempotency_key, error",
        },
        "field": {"type": "string", "description": "the input field at fault, when there is one"},
        "errors": {
            "type": "array",
            "items": {"type": "object"},
            "description": "422 from the schema check: one entry per wrong field",
        },
    },
}

ERRORS = {
    400: "The body is not JSON (code `error`).",
    401: "No API key, or a wrong or revoked one (code `unauthenticated`).",
    403: "The key's staff user lacks the privilege (code `forbidden`).",
    404: "No such resource (code `not_found`).",
    409: "Valid input, but refused in the current state, e.g. paying a paid invoice "
    "(code `refused`).",
    422: "Invalid input: the schema or a business rule (code `invalid`, `field` names it).",
}

# (path, method, status) of an answer holding an `id` → the operations that take it as {id}.
LINKS: dict[tuple[str, str, int], list[tuple[str, str]]] = {
    ("/customers", "post", 201): [
        ("/customers/{id}", "get"),
        ("/customers/{id}", "patch"),
        ("/customers/{id}/credit", "get"),
    ],
    ("/packages", "post", 201): [("/packages/{id}", "get"), ("/packages/{id}", "patch")],
    ("/options", "post", 201): [("/options/{id}", "get"), ("/options/{id}", "patch")],
    ("/tax-rates", "post", 201): [("/tax-rates/{id}", "get"), ("/tax-rates/{id}", "patch")],
    ("/subscriptions", "post", 201): [
        ("/subscriptions/{id}", "get"),
        ("/subscriptions/{id}/changes", "get"),
    ],
    ("/invoices", "post", 201): [("/invoices/{id}", "get"), ("/invoices/{id}/pdf", "get")],
    ("/estimates", "post", 201): [("/estimates/{id}", "get"), ("/estimates/{id}/pdf", "get")],
}


# Reads that preview a refusable action answer 409 as the action would.
PREVIEWS_REFUSED = {("/customers/{id}/merge-preview", "get")}


def _error_codes(path: str, method: str, operation: dict[str, Any], prefix: str) -> list[int]:
    codes: list[int] = []
    takes_input = "requestBody" in operation or bool(operation.get("parameters"))
    if "requestBody" in operation:
        codes.append(400)
    if operation.get("security"):
        codes += [401, 403]
    if "{" in path:
        codes.append(404)
    if method in ("post", "patch", "delete") or (path[len(prefix) :], method) in PREVIEWS_REFUSED:
        codes.append(409)
    if takes_input:
        codes.append(422)
    return codes


def document_errors(schema: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Add the error answers and the links to ninja's OpenAPI document, in place."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _error_codes(path, method, operation, prefix):
                responses.setdefault(code, {"description": ERRORS[code], "content": error})
    _link(schema, prefix)
    return schema


def _link(schema: dict[str, Any], prefix: str) -> None:
    paths = schema.get("paths", {})
    for (path, method, status), targets in LINKS.items():
        answer = paths.get(prefix + path, {}).get(method, {}).get("responses", {}).get(status)
        if answer is None:
            continue
        links = answer.setdefault("links", {})
        for target_path, target_method in targets:
            target = paths.get(prefix + target_path, {}).get(target_method)
            if target is None:
                continue
            name = f"{target_method.upper()} {target_path}"
            links[name] = {
                "operationId": target["operationId"],
                "parameters": {"id": "$response.body#/id"},
            }
