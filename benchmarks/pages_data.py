"""The page benchmark's data: a business of C customers and N invoices over four years,
written in bulk (COPY on PostgreSQL, executemany on SQLite) with explicit ids.

The mix: customers in every status (mostly active) and two currencies; one or two packages
each on every cycle; invoices issued evenly over four years up to today, mostly paid (each
with its payment and allocation), some unpaid (due or overdue), some void, a few drafts;
invoice lines and taxes; credit notes (1% of the older invoices, credited in full);
estimates; account credit; events for every invoice and payment; email logs;
login attempts; billing runs; package changes and notes. Customer 1 is the "big customer"
(2% of the invoices, up to 5,000, and 40 packages), the one whose pages are timed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

YEARS = 4
BIG_CUSTOMER = 1
CHUNK = 20_000
STATUSES = [("active", 80), ("pending", 4), ("suspended", 7), ("cancelled", 8), ("error", 1)]
CYCLES = [
    ("monthly", 1, 55),
    ("quarterly", 3, 8),
    ("semi_annually", 6, 5),
    ("annually", 12, 22),
    ("biennially", 24, 4),
    ("triennially", 36, 2),
    ("one_time", 0, 4),
]
PACKAGES = [
    ("Bronze", Decimal("5.00")),
    ("Silver", Decimal("10.00")),
    ("Gold", Decimal("20.00")),
    ("Platinum", Decimal("45.00")),
    ("VPS Small", Decimal("15.00")),
    ("VPS Large", Decimal("60.00")),
]
SURNAMES = "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Walker Green"
FIRST = "Alice Bob Carol Dan Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy"
METHODS = ["bank_transfer", "card", "card", "card", "cheque", "cash"]


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    total = sum(row[-1] for row in weighted)
    roll = rng.random() * total
    for row in weighted:
        roll -= row[-1]
        if roll < 0:
            return row
    return weighted[-1]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8), tzinfo=UTC) + timedelta(seconds=rng.randrange(36000))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


class Writer:
    """Rows into a table by column name: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, skip_foreign_key_checks: bool = False) -> None:
        from django.db import DatabaseError, connection, transaction

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.rows = 0
        if self.postgres and skip_foreign_key_checks:
            # The ids are consistent by construction: no foreign-key triggers per row (for
            # this whole connection; needs a superuser, else the keys are checked). In a
            # savepoint (a transaction of its own in autocommit mode), so a refusal is undone.
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = replica")
            except DatabaseError:
                pass

    def write(self, model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        # Columns not named take the model's default, so a field added later (with a default
        # in Django, not in the database) doesn't break the builder.
        extra = _defaults(model, columns)
        if extra:
            columns = [*columns, *extra]
            values = tuple(extra.values())
            rows = (tuple(row) + values for row in rows)
        table = model._meta.db_table
        names = ", ".join(f'"{c}"' for c in columns)
        with self.connection.cursor() as wrapper:
            cursor = wrapper.cursor
            if self.postgres:
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([_pg(v) for v in row])
                        self.rows += 1
                return
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(_sqlite(v) for v in row))
                if len(batch) >= CHUNK:
                    cursor.executemany(sql, batch)
                    self.rows += len(batch)
                    batch = []
            cursor.executemany(sql, batch)
            self.rows += len(batch)


def _defaults(model: Any, columns: Sequence[str]) -> dict[str, Any]:
    named = set(columns)
    fields = model._meta.concrete_fields
    missing = [f for f in fields if f.column not in named and not f.primary_key and not f.null]
    return {f.column: f.get_default() for f in missing if f.get_default() is not None}


def _pg(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


def _sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


class Business:
    """Generates and writes the whole data set; keeps what later tables need."""

    def __init__(
        self, customers: int, invoices: int, today: date, seed: int = 42, fast: bool = False
    ) -> None:
        self.n_customers = customers
        self.n_invoices = invoices
        self.today = today
        self.first_day = date(today.year - YEARS, today.month, min(today.day, 28))
        self.rng = random.Random(seed)
        self.writer = Writer(skip_foreign_key_checks=fast)
        self.customer_status: list[str] = [""]
        self.customer_currency: list[str] = [""]
        self.customer_vat: list[bool] = [False]
        self.customer_name: list[str] = [""]
        self.credit_notes = 0
        self.estimates = 0

    def build(self) -> None:
        self.catalog()
        self.customers()
        self.subscriptions()
        self.invoices()
        self.estimates_write()
        self.credit()
        self.history()
        self.totals()

    def totals(self) -> None:
        """The daily totals the money services keep, computed once from the rows written
        (what `fairbill check-totals --fix` does)."""
        from django.db import transaction

        from fairbill.reports.totals import totals_rebuild

        with transaction.atomic():
            totals_rebuild()

    def catalog(self) -> None:
        from fairbill.catalog.models import Package, PackagePrice, TaxRate
        from fairbill.core.models import BusinessSettings

        settings = BusinessSettings.load()
        settings.company_name, settings.currency, settings.country = "Benchmark Ltd", "GBP", "GB"
        settings.save()
        TaxRate.objects.create(country="GB", name="VAT", rate=Decimal("20"))
        self.packages = []
        for position, (name, monthly) in enumerate(PACKAGES):
            package = Package.objects.create(name=name, sort_order=position)
            self.packages.append((package.pk, monthly))
            PackagePrice.objects.bulk_create(
                PackagePrice(
                    package=package,
                    cycle=cycle,
                    currency=currency,
                    price=monthly * max(months, 1),
                    setup_fee=Decimal(0),
                )
                for cycle, months, _ in CYCLES
                for currency in ("GBP", "EUR")
            )

    def customers(self) -> None:
        from fairbill.customers.models import Customer

        rng, span = self.rng, (self.today - self.first_day).days
        columns = ["id", "name", "company", "email", "phone", "address_line1", "address_line2"]
        columns += ["city", "region", "postcode", "country", "currency", "vat_applies"]
        columns += ["vat_number", "payment_method", "status", "status_reason", "created_at"]
        columns += ["updated_at"]
        surnames, first = SURNAMES.split(), FIRST.split()

        def rows() -> Iterator[tuple[Any, ...]]:
            for pk in range(1, self.n_customers + 1):
                status = "active" if pk == BIG_CUSTOMER else _pick(rng, STATUSES)[0]
                currency = "EUR" if rng.random() < 0.05 else "GBP"
                vat = currency == "GBP" and rng.random() < 0.6
                name = f"{rng.choice(first)} {rng.choice(surnames)} {pk}"
                self.customer_status.append(status)
                self.customer_currency.append(currency)
                self.customer_vat.append(vat)
                self.customer_name.append(name)
                joined = _at(self.first_day + timedelta(days=span * pk // self.n_customers), rng)
                yield (
                    pk, name, "" if rng.random() < 0.7 else f"{name.split()[1]} Ltd",
                    f"c{pk}@example.com", f"+44 20 7946 {pk % 10000:04d}", f"{pk} High Street",
                    "", "London", "", "SW1A 1AA", "GB" if currency == "GBP" else "FR", currency,
                    vat, "", rng.choice(METHODS[:3]), status, "", joined, joined,
                )  # fmt: skip

        self.writer.write(Customer, columns, rows())

    def subscriptions(self) -> None:
        from fairbill.subscriptions.models import Subscription, SubscriptionOption

        rng = self.rng
        columns = ["id", "customer_id", "package_id", "cycle", "pending_cycle", "currency"]
        columns += ["price", "setup_fee", "setup_fee_billed", "start_date", "renewal_date"]
        columns += ["renewed_on", "billing_day", "payment_method", "status", "status_reason"]
        columns += ["suspended_by", "created_at", "updated_at"]
        options: list[tuple[int, int]] = []
        owners = [c for c in range(1, self.n_customers + 1) for _ in range(2 if c % 5 == 0 else 1)]
        owners += [BIG_CUSTOMER] * 39

        def rows() -> Iterator[tuple[Any, ...]]:
            for pk, customer in enumerate(owners, start=1):
                cycle, months, _ = _pick(rng, CYCLES)
                package, monthly = rng.choice(self.packages)
                status = self.customer_status[customer]
                start = self.first_day + timedelta(days=rng.randrange(365 * YEARS))
                renewed = renewal = None
                if months and status != "cancelled":
                    renewal = self.today + timedelta(days=rng.randrange(1, 28 * months + 1))
                    renewed = _add_months(renewal, -months)
                at = _at(start, rng)
                if rng.random() < 0.3:
                    options.append((pk, max(months, 1)))
                yield (
                    pk, customer, package, cycle, "", self.customer_currency[customer],
                    monthly * max(months, 1), Decimal(0), True, start, renewal, renewed,
                    min(start.day, 28), "bank_transfer", status, "", "", at, at,
                )  # fmt: skip

        self.writer.write(Subscription, columns, rows())
        from fairbill.catalog.models import Option, OptionPrice

        option = Option.objects.create(name="Extra storage", kind="quantity")
        option.packages.set([pk for pk, _ in self.packages])
        OptionPrice.objects.bulk_create(
            OptionPrice(option=option, cycle=c, currency=cur, price=Decimal(2) * max(m, 1))
            for c, m, _ in CYCLES
            for cur in ("GBP", "EUR")
        )
        self.writer.write(
            SubscriptionOption,
            ["subscription_id", "option_id", "quantity", "unit_price", "setup_fee"],
            (
                (sub, option.pk, rng.randint(1, 5), Decimal(2) * months, Decimal(0))
                for sub, months in options
            ),
        )
        self.n_subscriptions = len(owners)

    def invoices(self) -> None:
        from benchmarks.pages_invoices import write_invoices

        write_invoices(self)

    def estimates_write(self) -> None:
        from benchmarks.pages_invoices import write_estimates

        write_estimates(self)

    def credit(self) -> None:
        from fairbill.payments.models import CreditEntry

        rng = self.rng
        columns = ["customer_id", "currency", "amount", "kind", "reason", "created_on"]
        columns += ["created_at"]

        def rows() -> Iterator[tuple[Any, ...]]:
            for customer in range(1, self.n_customers + 1):
                if customer != BIG_CUSTOMER and rng.random() > 0.08:
                    continue
                day = self.first_day + timedelta(days=rng.randrange(365 * YEARS))
                amount = Decimal(rng.randint(500, 20000)) / 100
                currency = self.customer_currency[customer]
                yield (customer, currency, amount, "added", "goodwill", day, _at(day, rng))
                if rng.random() < 0.5:
                    used = (amount / 2).quantize(Decimal("0.01"))
                    later = day + timedelta(days=30)
                    yield (customer, currency, -used, "applied", "", later, _at(later, rng))

        self.writer.write(CreditEntry, columns, rows())

    def history(self) -> None:
        from benchmarks.pages_invoices import write_history

        write_history(self)


def reset_sequences() -> None:
    """After explicit ids, the next id of every table follows the largest one."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    statements = connection.ops.sequence_reset_sql(no_style(), list(apps.get_models()))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
