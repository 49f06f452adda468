"""What the dashboard and the reports show: read-only queries, a bounded number each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from fairbill.core.aggregates import MoneySum
from fairbill.core.money import ZERO, quantize
from fairbill.customers.models import Customer, Status
from fairbill.invoicing import selectors as invoice_selectors
from fairbill.invoicing.models import CreditNoteTax, Invoice, InvoiceTax
from fairbill.payments.models import CreditEntry, Payment
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
    overdue, with amounts (balances for unpaid): two queries on indexed ranges, so the
    figures cost the same with a thousand invoices or a million (all-time paid totals would
    read every invoice ever paid)."""
    invoices = Invoice.objects.filter(currency=currency)
    paid = invoices.filter(
        status="paid", paid_on__gt=add_months(as_of, -12), paid_on__lte=as_of
    ).aggregate(paid_n=Count("*"), paid=MoneySum("total"))
    # Both rules (invoicing.selectors) on the unpaid invoices: one index-only scan.
    unpaid = invoices.filter(status="unpaid").aggregate(
        due_n=Count("pk", filter=invoice_selectors.due(as_of)),
        due=MoneySum("balance", filter=invoice_selectors.due(as_of)),
        overdue_n=Count("due_date", filter=invoice_selectors.overdue(as_of)),
        overdue=MoneySum("balance", filter=invoice_selectors.overdue(as_of)),
    )
    result = {**paid, **unpaid}
    return {
        key: InvoiceSummary(result[f"{key}_n"], result[key] or ZERO)
        for key in ("paid", "due", "overdue")
    }


def sales(*, since: date, until: date, currency: str) -> Decimal:
    """Invoiced net sales (not void) issued in [since, until]."""
    total = (
        Invoice.objects.filter(currency=currency, issue_date__gte=since, issue_date__lte=until)
        .exclude(status__in=["void", "draft"])
        .aggregate(s=MoneySum("subtotal"))["s"]
    )
    return total or ZERO


def revenue_by_month(*, as_of: date, currency: str, months: int = 12) -> list[tuple[date, Decimal]]:
    """Payments received per calendar month, oldest first, for the last `months` months."""
    first = add_months(as_of.replace(day=1), -(months - 1), 1)
    rows = (
        Payment.objects.filter(currency=currency, received_on__gte=first, received_on__lte=as_of)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(total=MoneySum("amount"))
        .values_list("month", "total")
    )
    found = {_as_date(month): total for month, total in rows}
    return [(m, found.get(m, ZERO)) for m in (add_months(first, i, 1) for i in range(months))]


def _as_date(value: object) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[return-value]


def monthly_recurring_revenue(*, currency: str) -> Decimal:
    """What active subscriptions bring per month (net): price and options normalised to a
    month by their cycle."""
    return recurring_revenue(currency=currency)[0]


def mrr_by_package(*, currency: str) -> list[tuple[str, Decimal]]:
    """Monthly recurring revenue per package, largest first."""
    return recurring_revenue(currency=currency)[1]


def recurring_revenue(*, currency: str) -> tuple[Decimal, list[tuple[str, Decimal]]]:
    """Monthly recurring revenue, in all and per package (largest first). Summed in SQL per
    package and cycle (two queries whatever the number of subscriptions), then each sum
    divided by its cycle's months and rounded once."""
    active = Subscription.objects.filter(status=Status.ACTIVE, currency=currency).exclude(
        cycle="one_time"
    )
    prices = active.values_list("package__name", "cycle").annotate(s=MoneySum("price")).order_by()
    options = (
        SubscriptionOption.objects.filter(subscription__in=active)
        .values_list("subscription__package__name", "subscription__cycle")
        .annotate(s=MoneySum(F("unit_price") * F("quantity")))
        .order_by()
    )
    by_package: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for name, cycle, amount in [*prices, *options]:
        by_package[name] += Decimal(amount) / CYCLE_MONTHS[cycle]
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
        q = Q(due_date__lte=as_of - timedelta(days=max(low, 1)))
        if high is not None:
            q &= Q(due_date__gte=as_of - timedelta(days=high))
        conditions[label] = q
    aggregates: dict[str, MoneySum | Count] = {}
    for n, q in enumerate(conditions.values()):
        aggregates[f"a{n}"] = MoneySum("balance", filter=q)
        aggregates[f"c{n}"] = Count("due_date", filter=q)
    result = Invoice.objects.filter(status="unpaid", currency=currency).aggregate(**aggregates)
    return [(label, result[f"a{n}"] or ZERO, result[f"c{n}"]) for n, label in enumerate(conditions)]


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
    date, whatever its invoice's). Two grouped queries: a row per month and rate."""
    invoiced = (
        InvoiceTax.objects.filter(
            invoice__currency=currency,
            invoice__issue_date__gte=since,
            invoice__issue_date__lte=until,
        )
        .exclude(invoice__status__in=["void", "draft"])
        .annotate(month=TruncMonth("invoice__issue_date"))
        .values("month", "name", "rate")
        .annotate(net=MoneySum("net"), tax=MoneySum("tax"))
        .order_by("month", "rate")
    )
    credited = (
        CreditNoteTax.objects.filter(
            credit_note__currency=currency,
            credit_note__issue_date__gte=since,
            credit_note__issue_date__lte=until,
        )
        .annotate(month=TruncMonth("credit_note__issue_date"))
        .values("month", "name", "rate")
        .annotate(net=MoneySum("net"), tax=MoneySum("tax"))
        .order_by("month", "rate")
    )
    sums: dict[tuple[date, str, Decimal], list[Decimal]] = {}
    for sign, rows in ((1, invoiced), (-1, credited)):
        for r in rows:
            key = (_as_date(r["month"]), r["name"], Decimal(r["rate"]))
            row = sums.setdefault(key, [ZERO, ZERO])
            row[0] += sign * Decimal(r["net"] or 0)
            row[1] += sign * Decimal(r["tax"] or 0)
    return [
        TaxRow(month, name, rate, net, tax)
        for (month, name, rate), (net, tax) in sorted(
            sums.items(), key=lambda i: (i[0][0], i[0][2], i[0][1])
        )
    ]


def payments_by_method(
    *, since: date, until: date, currency: str
) -> list[tuple[str, int, Decimal]]:
    rows = (
        Payment.objects.filter(currency=currency, received_on__gte=since, received_on__lte=until)
        .values("method")
        .annotate(n=Count("*"), total=MoneySum("amount"))
        .order_by("method")
    )
    return [(r["method"], r["n"], r["total"]) for r in rows]


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
    [since, until]."""
    sums = Invoice.objects.filter(
        currency=currency, status="paid", paid_on__gte=since, paid_on__lte=until
    ).aggregate(
        net=MoneySum("subtotal"),
        tax=MoneySum("tax"),
        total=MoneySum("total"),
        credited=MoneySum("credited"),
    )
    return tuple(sums[key] or ZERO for key in ("net", "tax", "total", "credited"))


def sales_by_month(*, as_of: date, currency: str, months: int = 12) -> dict[date, Decimal]:
    first = add_months(as_of.replace(day=1), -(months - 1), 1)
    rows = (
        Invoice.objects.filter(currency=currency, issue_date__gte=first, issue_date__lte=as_of)
        .exclude(status__in=["void", "draft"])
        .annotate(month=TruncMonth("issue_date"))
        .values("month")
        .annotate(total=MoneySum("subtotal"))
        .values_list("month", "total")
    )
    found: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for month, total in rows:
        found[_as_date(month)] = total
    return {m: found[m] for m in (add_months(first, i, 1) for i in range(months))}
