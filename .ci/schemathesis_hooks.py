"""A Schemathesis check that restores, for 422 answers, what the built-in
`positive_data_acceptance` check can't tell apart (docs/api.md, "Schemathesis").

Fairbill answers 422 for two different reasons:
- the request does not fit the schema (the server's own schema check: the answer lists the
  wrong fields in `errors`) — for schema-valid data that is a disagreement between the
  document and the server, the defect the built-in check exists to find;
- a business rule JSON Schema can't express (a name already taken, a merge of a customer into
  itself, lines that add up to a negative invoice, a key reused with another request): the
  answer names the `field` and has no `errors`.

The built-in check is configured (.ci/schemathesis.toml) to accept 422, and this check fails
when a body that is valid per the document gets a 422 from the server's schema check.
"""

from __future__ import annotations

import json

import schemathesis


def _body_fits_the_document(case) -> bool:
    """Whether the body sent is valid per the operation's OpenAPI schema, as Schemathesis
    itself validates generated bodies."""
    import jsonschema_rs
    from schemathesis.core.parameters import ParameterLocation

    return bool(
        case._validate_component(
            ParameterLocation.BODY, case.body, jsonschema_rs.Draft202012Validator
        )
    )


@schemathesis.check
def schema_valid_data_passes_the_server_schema(ctx, response, case):
    """A body the document accepts must pass the server's schema check: a 422 whose `errors`
    all point into the body means the document and the server disagree."""
    if response.status_code != 422 or case.body is None:
        return None
    try:
        body = json.loads(response.text)
    except ValueError:
        raise AssertionError(f"422 without a JSON error: {response.text[:300]}") from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors or not all(e.get("loc", [None])[0] == "body" for e in errors):
        return None  # a business rule, or a query/path/header parameter
    if _body_fits_the_document(case):
        raise AssertionError(
            "A body valid per the OpenAPI document was refused by the server's schema check "
            f"(the document and the server disagree): {body.get('detail')}"
        )
    return None
