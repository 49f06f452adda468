"""Errors that services raise and that views and the API turn into messages.

A service refuses bad input or a forbidden action by raising one of these; nothing is written
because every service runs in a transaction.
"""

from __future__ import annotations


class FairbillError(Exception):
    """Base class: `message` is shown to the user, `code` is stable for programs."""

    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, object]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        # Several problems at once (e.g. one per invoice line): [{"line": 2, "msg": …}].
        self.errors = errors or []
        if code:
            self.code = code


class InvalidInput(FairbillError):
    code = "invalid"
    status = 422


class NotFound(FairbillError):
    code = "not_found"
    status = 404


class Refused(FairbillError):
    """The input is fine but the action is not allowed in the current state."""

    code = "refused"
    status = 409


class PermissionDenied(FairbillError):
    code = "forbidden"
    status = 403


class NeedsConfirmation(Refused):
    """Allowed, but only when the person confirms it (a large credit, a big overpayment):
    the same call with the confirmation flag goes through."""

    code = "confirm"
    status = 409
