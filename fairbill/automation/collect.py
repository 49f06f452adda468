"""The billing run's step after renewing: charge the invoices due today (and retries due)
to saved methods, and settle charges left open (payments/collection.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fairbill.core.actors import Actor
from fairbill.payments.collection import collections_run
from fairbill.payments.gateways.base import payment_gateway
from fairbill.payments.methods import expiring_cards_remind


def collect_due(*, report: Any, as_of: date, actor: Actor) -> None:
    """Charge what is due as of the run's date; the outcome goes into the run's report."""
    outcome = collections_run(as_of=as_of, actor=actor, gateway=payment_gateway())
    counts = {
        "charged": outcome.charged,
        "succeeded": outcome.succeeded,
        "pending": outcome.pending,
        "failed": outcome.failed,
        "unknown": outcome.unknown,
        "resolved": outcome.resolved,
        "expiring_cards": expiring_cards_remind(as_of=as_of),
    }
    # only what happened: a day without automatic payments reads as a dry run does
    report.charges = {name: count for name, count in counts.items() if count}
    report.errors.extend(outcome.errors)
