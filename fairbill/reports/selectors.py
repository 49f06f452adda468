"""What the dashboard and the reports show: read-only queries, a bounded number each.

Money figures over periods (sales, paid, payments, tax, unpaid balances by due date) come
from the daily totals (core.models.DailyTotal), kept up to date by the money services: a
row per day, so a year costs a few hundred rows whatever the number of invoices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from fairbill.catalog.models import Package
from fairbill.core.aggregates import MoneySum
from fairbill.core.models import DailyTotal
from fairbill.core.money import ZERO, quantize
from fairbill.core.totals import Measure, from_cents
from fairbill.customers.models import Customer, Status
from fairbill.invoicing.models import Invoice
from fairbill.payments.models import CreditEntry
from fairbill.reports.refunds import refunds_by_month
from fairbill.subscriptions.models import Subscription, SubscriptionOption
from fairbill.subscriptions.periods import CYCLE_MONTHS, add_months


def status_counts(model: type[Customer] | type[Subscription]) -> dict[str, int]:
    """Rows per status (merged customers left out)."""
    rows = (
        Customer.objects.filter(merged_into__isnull=True)
        if model is Customer
        else Subscription.objects.all()
    )
    # order_by(): no join to the default ordering's tables for a count.
    counted = rows.order_by().values_list("status").annotate(n=Count("*"))
    found = dict(counted.values_list("status", "n"))
    return {status: found.get(status, 0) for status in Status.values}


@dataclass(frozen=True)
class InvoiceSummary:
    count: int
    amount: Decimal


def invoice_summary(*, as_of: date, currency: str) -> dict[str, InvoiceSummary]:
    """Invoices paid in the past year (up to `as_of`), due (unpaid, not yet overdue) and
    overdue, with amounts (balances for unpaid): read from the daily totals (a row a day),
    so the figures cost the same with a thousand invoices or a million."""
    year = _totals(Measure.PAID, currency, since=add_months(as_of, -12) + timedelta(days=1))
    paid = year.filter(day__lte=as_of).aggregate(n=Sum("count"), total=Sum("total"))
    # Due and overdue by the rules of invoicing.selectors (overdue: due before `as_of`).
    late = Q(day__lt=as_of)
    unpaid = _totals(Measure.UNPAID, currency).aggregate(
        due_n=Sum("count", filter=~late),
        due=Sum("total", filter=~late),
        overdue_n=Sum("count", filter=late),
        overdue=Sum("total", filter=late),
    )
    return {
        "paid": InvoiceSummary(paid["n"] or 0, from_cents(paid["total"])),
        "due": InvoiceSummary(unpaid["due_n"] or 0, from_cents(unpaid["due"])),
        "overdue": InvoiceSummary(unpaid["overdue_n"] or 0, from_cents(unpaid["overdue"])),
    }


def _totals(
    measure: str, currency: str, *, since: date | None = None, until: date | None = None
) -> QuerySet[DailyTotal]:
    """The daily totals of a measure in a currency, between two days when given."""
    rows = DailyTotal.objects.filter(currency=currency, measure=measure).order_by()
    if since is not None:
        rows = rows.filter(day__gte=since)
    if until is not None:
        rows = rows.filter(day__lte=until)
    return rows


def sales(*, since: date, until: date, currency: str) -> Decimal:
    """Invoiced net sales (not void) issued in [since, until], less the net of the credit
    notes issued in it."""
    sold = _totals(Measure.SALES, currency, since=since, until=until).aggregate(s=Sum("net"))
    credited = _totals(Measure.CREDITED, currency, since=since, until=until).aggregate(s=Sum("net"))
    return from_cents((sold["s"] or 0) - (credited["s"] or 0))


def revenue_by_month(*, as_of: date, currency: str, months: int = 12) -> list[tuple[date, Decimal]]:
    """Payments received less refunds (reports/refunds.py) per calendar month, oldest first,
    for the last `months` months."""
    first = add_months(as_of.replace(day=1), -(months - 1), 1)
    found = _by_month(_totals(Measure.PAYMENTS, currency, since=first, until=as_of), "total")
    refunded = refunds_by_month(since=first, until=as_of, currency=currency)
    return [
        (m, found.get(m, ZERO) - refunded.get(m, ZERO))
        for m in (add_months(first, i, 1) for i in range(months))
    ]


def _by_month(rows: QuerySet[DailyTotal], column: str) -> dict[date, Decimal]:
    """A column of daily totals summed per calendar month (a few hundred rows at most)."""
    found: dict[date, int] = defaultdict(int)
    for day, value in rows.values_list("day", column):
        found[day.replace(day=1)] += value
    return {month: from_cents(value) for month, value in found.items()}


def monthly_recurring_revenue(*, currency: str) -> Decimal:
    """What active subscriptions bring per month (net): price and options normalised to a
    month by their cycle."""
    return recurring_revenue(currency=currency)[0]


def mrr_by_package(*, currency: str) -> list[tuple[str, Decimal]]:
    """Monthly recurring revenue per package, largest first."""
    return recurring_revenue(currency=currency)[1]


def recurring_revenue(*, currency: str) -> tuple[Decimal, list[tuple[str, Decimal]]]:
    """Monthly recurring revenue, in all and per package (largest first). Summed in SQL per
    package and cycle (two queries whatever the number of subscriptions, each read from an
    index alone on PostgreSQL: `subscription_revenue`, `option_revenue`), then each sum
    divided by its cycle's months and rounded once."""
    active = Subscription.objects.filter(status=Status.ACTIVE, currency=currency).exclude(
        cycle="one_time"
    )
    prices = active.values_list("package_id", "cycle").annotate(s=MoneySum("price")).order_by()
    # The same conditions through the join (`subscription__in=active` joined the
    # subscriptions twice: 260 ms instead of 100 at 120,000 subscriptions).
    options = (
        SubscriptionOption.objects.filter(
            subscription__status=Status.ACTIVE, subscription__currency=currency
        )
        .exclude(subscription__cycle="one_time")
        .values_list("subscription__package_id", "subscription__cycle")
        .annotate(s=MoneySum(F("unit_price") * F("quantity")))
        .order_by()
    )
    sums = [*prices, *options]
    names = dict(Package.objects.filter(pk__in={pk for pk, _, _ in sums}).values_list("pk", "name"))
    by_package: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for package, cycle, amount in sums:
        by_package[names[package]] += Decimal(amount) / CYCLE_MONTHS[cycle]
    total = quantize(sum(by_package.values(), ZERO), currency)
    rows = sorted(
        ((name, quantize(v, currency)) for name, v in by_package.items()), key=lambda item: -item[1]
    )
    return total, rows


AGE_BUCKETS = [
    ("0–30 days", 0, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("90+ days", 91, None),
]


def overdue_by_age(*, as_of: date, currency: str) -> list[tuple[str, Decimal, int]]:
    """Overdue balances by days past due: (label, amount, count)."""
    conditions = {}
    for label, low, high in AGE_BUCKETS:
        q = Q(day__lte=as_of - timedelta(days=max(low, 1)))
        if high is not None:
            q &= Q(day__gte=as_of - timedelta(days=high))
        conditions[label] = q
    aggregates: dict[str, Sum] = {}
    for n, q in enumerate(conditions.values()):
        aggregates[f"a{n}"] = Sum("total", filter=q)
        aggregates[f"c{n}"] = Sum("count", filter=q)
    result = _totals(Measure.UNPAID, currency).aggregate(**aggregates)
    return [
        (label, from_cents(result[f"a{n}"]), result[f"c{n}"] or 0)
        for n, label in enumerate(conditions)
    ]


def newest_customers(limit: int = 5) -> list[Customer]:
    """The customers who joined last (new orders show here first)."""
    return list(
        Customer.objects.filter(merged_into__isnull=True).order_by("-created_at", "-id")[:limit]
    )


def active_customers() -> int:
    return Customer.objects.filter(status=Status.ACTIVE, merged_into__isnull=True).count()


@dataclass(frozen=True)
class TaxRow:
    month: date
    name: str
    rate: Decimal
    net: Decimal
    tax: Decimal


def tax_collected(*, since: date, until: date, currency: str) -> list[TaxRow]:
    """Tax on issued invoices (not void) by month and rate, less the tax of the credit notes
    issued in that month at that rate (a credit note counts in the month of its own issue
    date, whatever its invoice's): read from the daily totals."""
    found: dict[tuple[date, str, Decimal], list[int]] = {}
    for measure, sign in ((Measure.TAX, 1), (Measure.CREDIT_TAX, -1)):
        rows = _totals(measure, currency, since=since, until=until)
        for day, name, rate, n, net, tax in rows.values_list(
            "day", "label", "rate", "count", "net", "tax"
        ):
            sums = found.setdefault((day.replace(day=1), name, rate), [0, 0, 0])
            sums[0] += n
            sums[1] += sign * net
            sums[2] += sign * tax
    return [
        TaxRow(month, name, rate, from_cents(net), from_cents(tax))
        for (month, name, rate), (n, net, tax) in sorted(
            found.items(), key=lambda item: (item[0][0], item[0][2], item[0][1])
        )
        if n
    ]


def payments_by_method(
    *, since: date, until: date, currency: str
) -> list[tuple[str, int, Decimal]]:
    rows = (
        _totals(Measure.PAYMENTS, currency, since=since, until=until)
        .values("label")
        .annotate(n=Sum("count"), total=Sum("total"))
        .filter(n__gt=0)
        .order_by("label")
    )
    return [(r["label"], r["n"], from_cents(r["total"])) for r in rows]


def credit_balances(
    *, currency: str, until: date | None = None, limit: int | None = None
) -> list[tuple[Customer, Decimal]]:
    """Customers with account credit (at the end of `until` when given), largest first (the
    first `limit` of them when given)."""
    rows = _positive_balances(currency, until).order_by("-balance", "customer_id")
    balances = {r["customer_id"]: r["balance"] for r in (rows[:limit] if limit else rows)}
    customers = Customer.objects.in_bulk(list(balances))
    return [(customers[pk], balance) for pk, balance in balances.items()]


def credit_total(*, currency: str, until: date | None = None) -> Decimal:
    """The sum of the credit balances listed by credit_balances, summed by the database."""
    total = _positive_balances(currency, until).aggregate(total=MoneySum("balance"))["total"]
    return total or ZERO


def _positive_balances(currency: str, until: date | None) -> QuerySet[CreditEntry, dict[str, Any]]:
    entries = CreditEntry.objects.filter(currency=currency)
    if until is not None:
        entries = entries.filter(created_on__lte=until)
    return entries.values("customer_id").annotate(balance=MoneySum("amount")).filter(balance__gt=0)


def paid_invoices(
    *, since: date, until: date, currency: str, limit: int | None = None
) -> Iterable[Invoice]:
    """Invoices paid in full in [since, until], by the day paid: the first `limit`, or all of
    them read in chunks (a year's CSV never holds every invoice in memory)."""
    invoices = (
        Invoice.objects.filter(
            currency=currency, status="paid", paid_on__gte=since, paid_on__lte=until
        )
        .select_related("customer")
        .order_by("paid_on", "sequence")
    )
    return list(invoices[:limit]) if limit is not None else invoices.iterator(chunk_size=500)


def paid_invoices_totals(*, since: date, until: date, currency: str) -> tuple[Decimal, ...]:
    """Net, tax, total and credited (by credit notes) of the invoices paid in full in
    [since, until]: the first three from the daily totals, the credited amount from the
    few such invoices that have credit notes."""
    sums = _totals(Measure.PAID, currency, since=since, until=until).aggregate(
        net=Sum("net"), tax=Sum("tax"), total=Sum("total")
    )
    credited = Invoice.objects.filter(
        currency=currency,
        status="paid",
        paid_on__gte=since,
        paid_on__lte=until,
        credited__gt=0,
    ).aggregate(credited=MoneySum("credited"))["credited"]
    return (*(from_cents(sums[key]) for key in ("net", "tax", "total")), credited or ZERO)


def sales_by_month(*, as_of: date, currency: str, months: int = 12) -> dict[date, Decimal]:
    first = add_months(as_of.replace(day=1), -(months - 1), 1)
    found = _by_month(_totals(Measure.SALES, currency, since=first, until=as_of), "net")
    credited = _by_month(_totals(Measure.CREDITED, currency, since=first, until=as_of), "net")
    return {
        m: found.get(m, ZERO) - credited.get(m, ZERO)
        for m in (add_months(first, i, 1) for i in range(months))
    }
