"""Set-up shared by the benchmarks and the fault campaign: their PostgreSQL databases, and
the options and account credit a realistic set of due subscriptions carries (call
options_and_credit_seed after django.setup())."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def postgres_database(url: str, name: str, *, fresh: bool = False) -> str:
    """The address of database `name` on the PostgreSQL server of `url`, created if missing
    (dropped and created again when `fresh`)."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def postgres_database_drop(url: str) -> None:
    """Drop the database `url` names (if it is there)."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.strip("/")}"')


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
