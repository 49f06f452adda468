"""Read rules about subscriptions shared by the back office, My Account and the API."""

from __future__ import annotations

from fairbill.catalog.models import Cycle
from fairbill.customers.models import Status
from fairbill.subscriptions.models import Subscription

CHANGEABLE_STATUSES = (Status.ACTIVE, Status.SUSPENDED)


def changeable(sub: Subscription) -> bool:
    """Whether a package can be upgraded or downgraded: an active or suspended, recurring one
    (subscriptions.changes refuses the others with the reason)."""
    return sub.status in CHANGEABLE_STATUSES and sub.cycle != Cycle.ONE_TIME
