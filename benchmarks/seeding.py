"""Set-up shared by the benchmarks and the fault campaign: their PostgreSQL databases, and
a business with customers whose subscriptions are due, with the options and account credit
a realistic set carries (call the functions that write rows after django.setup())."""

from __future__ import annotations

import random
from collections.abc import Callable
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


PRICES = {"monthly": Decimal("10.00"), "quarterly": Decimal("27.00"), "annually": Decimal("100.00")}


def catalog_seed(company_name: str, *, attach_pdf: bool = True) -> tuple[Any, Any]:
    """The business (GBP, UK VAT at 20%) and one package on three cycles with an option
    priced at a fifth of it. Returns the package and the option."""
    from fairbill.catalog.models import Option, OptionPrice, Package, PackagePrice, TaxRate
    from fairbill.core.models import BusinessSettings

    business = BusinessSettings.load()
    business.company_name, business.currency, business.attach_pdf = company_name, "GBP", attach_pdf
    business.save()
    TaxRate.objects.create(country="GB", name="VAT", rate=Decimal("20"))
    package = Package.objects.create(name="Silver")
    PackagePrice.objects.bulk_create(
        PackagePrice(package=package, cycle=c, currency="GBP", price=p) for c, p in PRICES.items()
    )
    option = Option.objects.create(name="Extra storage", kind="quantity")
    option.packages.add(package)
    OptionPrice.objects.bulk_create(
        OptionPrice(option=option, cycle=c, currency="GBP", price=p / 5) for c, p in PRICES.items()
    )
    return package, option


def due_customers_seed(  # noqa: PLR0913 (the set-up's knobs, by name)
    *,
    first: int,
    count: int,
    package: Any,
    option: Any,
    rng: random.Random,
    now: datetime,
    start_date: date,
    renewed_on: date,
    renewal_date: Callable[[str], date],
    reason: str,
) -> None:
    """`count` customers numbered from `first` (half of them paying VAT), each with one
    active subscription (70% monthly, 20% annual, 10% quarterly) renewing on
    renewal_date(cycle), then options and credit (options_and_credit_seed); inserted in
    bulk."""
    from fairbill.customers.models import Customer
    from fairbill.subscriptions.models import Subscription

    customers = Customer.objects.bulk_create(
        Customer(
            name=f"Customer {first + i}",
            email=f"c{first + i}@example.com",
            country="GB",
            currency="GBP",
            vat_applies=rng.random() < 0.5,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    )
    subs = []
    for customer in customers:
        roll = rng.random()
        cycle = "monthly" if roll < 0.7 else "annually" if roll < 0.9 else "quarterly"
        subs.append(
            Subscription(
                customer=customer,
                package=package,
                cycle=cycle,
                currency="GBP",
                price=PRICES[cycle],
                setup_fee=Decimal(0),
                setup_fee_billed=True,
                start_date=start_date,
                renewal_date=renewal_date(cycle),
                renewed_on=renewed_on,
                billing_day=1,
                status="active",
                created_at=now,
                updated_at=now,
            )
        )
    subs = Subscription.objects.bulk_create(subs)
    options_and_credit_seed(
        subs=subs,
        customers=customers,
        option=option,
        prices=PRICES,
        rng=rng,
        now=now,
        reason=reason,
    )


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
