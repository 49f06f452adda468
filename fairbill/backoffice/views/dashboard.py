"""The dashboard: customers and packages per status, invoices paid / due / overdue, sales
over the past month and year against the active customers, and three charts (revenue per
month, monthly recurring revenue by package, overdue amounts by age). Every figure comes from
a reports selector with a fixed number of queries, in the business currency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.accounts.access import staff_required
from fairbill.core import clock
from fairbill.core.models import BusinessSettings
from fairbill.core.money import ZERO, format_money, quantize
from fairbill.customers.models import Customer, Status
from fairbill.reports import selectors
from fairbill.reports.charts import bar_chart
from fairbill.reports.collections import collections_summary
from fairbill.subscriptions.models import Subscription
from fairbill.subscriptions.periods import add_months


@staff_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Everyone on the staff opens it; each part shows to those with its area's privilege:
    counts to *customers*, money (invoices, sales, charts) to *invoices* or *reports*."""
    user = request.user
    today = clock.today()
    currency = BusinessSettings.load().currency
    show_counts = user.has_privilege("customers")  # type: ignore[union-attr]
    show_money = user.has_privilege("invoices") or user.has_privilege("reports")  # type: ignore[union-attr]
    context: dict[str, Any] = {
        "nav": "dashboard",
        "today": today,
        "currency": currency,
        "show_counts": show_counts,
        "show_money": show_money,
    }
    # Counted once: the status table shows them, the sales per customer divide by the active.
    customers = selectors.status_counts(Customer) if show_counts or show_money else {}
    if show_counts:
        labels = dict(Status.choices)
        packages = selectors.status_counts(Subscription)
        context["customer_counts"] = [(s, labels[s], n) for s, n in customers.items()]
        context["package_counts"] = [(s, labels[s], n) for s, n in packages.items()]
        # One row per status (not one column), so the table fits a phone's width.
        context["status_rows"] = [
            (s, labels[s], n, packages.get(s, 0)) for s, n in customers.items()
        ]
        context["newest_customers"] = selectors.newest_customers()
    if show_money:
        context["invoices"] = selectors.invoice_summary(as_of=today, currency=currency)
        context.update(_sales(today, currency, active=customers[Status.ACTIVE]))
        context.update(_charts(today, currency))
        context["collections"] = collections_summary(as_of=today, currency=currency)
    return render(request, "backoffice/dashboard.html", context)


def _sales(today: Any, currency: str, *, active: int) -> dict[str, Any]:
    month = selectors.sales(
        since=add_months(today, -1) + timedelta(days=1), until=today, currency=currency
    )
    year = selectors.sales(
        since=add_months(today, -12) + timedelta(days=1), until=today, currency=currency
    )

    def per_customer(amount: Decimal) -> Decimal:
        return quantize(amount / active, currency) if active else ZERO

    return {
        "active_customers": active,
        "sales_month": month,
        "sales_year": year,
        "sales_month_each": per_customer(month),
        "sales_year_each": per_customer(year),
    }


def _charts(today: Any, currency: str) -> dict[str, Any]:
    def axis(value: Decimal) -> str:  # whole units on the axis when they are whole
        if value == value.to_integral_value():
            return format_money(value, currency).replace(".00", "")
        return format_money(quantize(value, currency), currency)

    revenue = selectors.revenue_by_month(as_of=today, currency=currency)
    mrr, by_package = selectors.recurring_revenue(currency=currency)
    overdue = selectors.overdue_by_age(as_of=today, currency=currency)
    return {
        "revenue_chart": bar_chart(
            [(f"{m:%b}", v) for m, v in revenue],
            title="Revenue per month",
            fmt=axis,
            width=900,
            height=260,
        ),
        "revenue_total": sum((v for _, v in revenue), ZERO),
        "mrr": mrr,
        "mrr_by_package": by_package,
        "mrr_chart": bar_chart(
            by_package[:8],
            title="Monthly recurring revenue by package",
            fmt=axis,
            width=440,
            height=200,
        ),
        "overdue_by_age": overdue,
        "overdue_chart": bar_chart(
            [(label, amount) for label, amount, _ in overdue],
            title="Overdue by age",
            fmt=axis,
            width=440,
            height=200,
            color="#b42318",
        ),
    }
