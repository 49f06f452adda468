"""Seeding shared by the billing benchmark and the fault campaign: the options and account
credit a realistic set of due subscriptions carries (call after django.setup())."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def options_and_credit_seed(
    *,
    subs: list[Any],
    customers: list[Any],
    option: Any,
    prices: dict[str, Decimal],
    rng: random.Random,
    now: datetime,
    reason: str,
) -> None:
    """An option on about 30% of the subscriptions, credit on about 30% of the customers."""
    from fairbill.payments.models import CreditEntry
    from fairbill.subscriptions.models import SubscriptionOption

    SubscriptionOption.objects.bulk_create(
        SubscriptionOption(
            subscription=s,
            option=option,
            quantity=rng.randint(1, 5),
            unit_price=prices[s.cycle] / 5,
        )
        for s in subs
        if rng.random() < 0.3
    )
    CreditEntry.objects.bulk_create(
        CreditEntry(
            customer=c,
            currency="GBP",
            amount=Decimal(rng.randint(100, 3000)) / 100,
            kind="added",
            reason=reason,
            created_on=date(2027, 2, 1),
            created_at=now,
        )
        for c in customers
        if rng.random() < 0.3
    )
