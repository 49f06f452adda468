"""Assertions shared by the API tests."""

from __future__ import annotations


def assert_invalid(response, field: str) -> None:
    """A 422 in the error format whose message (or `field`) names the field."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    named = (
        body.get("field") == field
        or field.replace("_", " ") in body["detail"].replace("_", " ").lower()
    )
    assert named, body
