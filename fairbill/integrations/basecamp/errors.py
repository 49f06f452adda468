"""What can go wrong talking to Basecamp, each with a message that says what to do."""

from __future__ import annotations

from fairbill.core.errors import FairbillError

WHERE = "Settings → Integrations → Basecamp"


class BasecampError(FairbillError):
    code = "basecamp_error"
    status = 502


class NotConnected(BasecampError):
    code = "basecamp_not_connected"
    status = 409

    def __init__(self, message: str = "") -> None:
        super().__init__(message or f"Basecamp is not connected: connect it in {WHERE}.")


class Reconnect(BasecampError):
    """Basecamp refused our tokens and refreshing them failed."""

    code = "basecamp_reconnect"
    status = 409

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "Basecamp no longer accepts Fairbill's access (it was revoked or has expired): "
            f"reconnect in {WHERE}."
        )


class Forbidden(BasecampError):
    code = "basecamp_forbidden"
    status = 409


class Missing(BasecampError):
    code = "basecamp_not_found"
    status = 409


class Unavailable(BasecampError):
    code = "basecamp_unavailable"
    status = 502
