"""A Schemathesis check that restores, for 422 answers, what the built-in
`positive_data_acceptance` check can't tell apart (docs/api.md, "Schemathesis").

Fairbill answers 422 for two different reasons:
- the request does not fit the schema (the server's own schema check: the answer lists the
  wrong fields in `errors`) — for schema-valid data that is a disagreement between the
  document and the server, the defect the built-in check exists to find;
- a business rule JSON Schema can't express (a name already taken, a merge of a customer into
  itself, lines that add up to a negative invoice, a key reused with another request): the
  answer names the `field` and has no `errors`.

The built-in check is configured (.ci/schemathesis.toml) to accept 422, and this check fails a
schema-valid request answered 400, or 422 with `errors`.
"""

from __future__ import annotations

import json

import schemathesis


def _is_positive(case) -> bool:
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    if mode is None or not mode.is_positive:
        return False
    try:
        from schemathesis.specs.openapi.checks import is_unexpected_http_status_case
    except ImportError:  # pragma: no cover - an older or newer layout
        return True
    return not is_unexpected_http_status_case(case)


@schemathesis.check
def schema_valid_data_passes_the_server_schema(ctx, response, case):
    """Schema-valid data must pass the server's schema check: no 400, no 422 with `errors`."""
    if not _is_positive(case) or response.status_code not in (400, 422):
        return None
    if response.status_code == 400:
        raise AssertionError(f"Schema-valid request answered 400: {response.text[:300]}")
    try:
        body = json.loads(response.text)
    except ValueError:
        raise AssertionError(f"422 without a JSON error: {response.text[:300]}") from None
    if isinstance(body, dict) and body.get("errors"):
        raise AssertionError(
            "Schema-valid request refused by the server's schema check "
            f"(the document and the server disagree): {body.get('detail')}"
        )
    return None
