"""Which failures retrying won't fix (pure). A soft decline (insufficient funds, a
processing error) is tried again on the schedule; a hard one (the card is lost, stolen,
expired, the bank said do not honor, the mandate was revoked) waits for a new method, and
authentication required waits for the customer to confirm the payment."""

from __future__ import annotations

from enum import Enum


class FinalFailure(Enum):
    NEW_METHOD = "new_method"
    AUTHENTICATION = "authentication"


HARD = frozenset(
    {
        "stolen_card",
        "lost_card",
        "expired_card",
        "do_not_honor",
        "pickup_card",
        "restricted_card",
        "fraudulent",
        "invalid_account",
        "incorrect_number",
        "invalid_number",
        "invalid_expiry_month",
        "invalid_expiry_year",
        "card_not_supported",
        "currency_not_supported",
        "new_account_information_available",
        "revocation_of_authorization",
        "revocation_of_all_authorizations",
        "security_violation",
        "stop_payment_order",
        "transaction_not_allowed",
        "merchant_blacklist",
        "account_closed",
        "debit_not_authorized",
        "no_account",
        "bank_account_restricted",
        "payment_method_not_available",
        "canceled",
        "resource_missing",
        "invalid_request",
        "payment_method_unactivated",
    }
)
AUTHENTICATION = frozenset({"authentication_required", "card_velocity_exceeded_sca"})


def failure_final(code: str, decline_code: str) -> FinalFailure | None:
    """None for a failure worth retrying on the schedule."""
    codes = {code, decline_code}
    if codes & AUTHENTICATION:
        return FinalFailure.AUTHENTICATION
    if codes & HARD:
        return FinalFailure.NEW_METHOD
    return None
