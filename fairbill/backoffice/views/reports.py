"""Reports: paid invoices, payments by method, credit balances and tax collected, each for a
date range and exportable as CSV (money as plain decimal strings, text cells that a
spreadsheet would run as a formula neutralised: core/spreadsheet.py); and the login report."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from fairbill.accounts.access import staff_required
from fairbill.accounts.models import LoginAttempt
from fairbill.backoffice.billing_forms import DayField
from fairbill.backoffice.forms import LoginFilterForm
from fairbill.backoffice.views.common import paginate
from fairbill.core import clock
from fairbill.core.models import BusinessSettings
from fairbill.core.money import quantize
from fairbill.core.spreadsheet import csv_cell
from fairbill.customers.models import PaymentMethod
from fairbill.reports import selectors
from fairbill.reports.refunds import refunds_given, refunds_total

PER_PAGE = 50
SHOWN = 200  # rows of a report shown on its page; the CSV has them all
Row = Sequence[Any]


class PeriodForm(forms.Form):
    since = DayField(label="From", required=False)
    until = DayField(label="To", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error(
                "until",
                f"{until:%-d %b %Y} is before the “From” date, {since:%-d %b %Y}: "
                "give an end date on or after it.",
            )
        return data

    def period(self, today: date) -> tuple[date, date]:
        """The chosen dates (the form must be valid); by default this year so far."""
        data = self.cleaned_data if self.is_bound else {}
        return data.get("since") or today.replace(month=1, day=1), data.get("until") or today


@staff_required("reports")
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/reports/index.html", {"nav": "reports"})


def _report(
    request: HttpRequest,
    *,
    slug: str,
    title: str,
    header: list[str],
    rows: Callable[[date, date, str, int | None], Iterable[Row]],
    money_columns: Sequence[int],
    note: str = "",
    totals_of: Callable[[date, date, str], dict[int, Any]] | None = None,
) -> HttpResponse:
    """A report page with its date range (the first SHOWN rows, the totals of all), or its
    CSV with ?export=csv (every row, streamed)."""
    filters = PeriodForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        return _bad_period(request, filters, title=title, note=note)
    since, until = filters.period(clock.today())
    if not filters.is_bound:  # the fields show the period the report is of
        filters = PeriodForm(initial={"since": since, "until": until})
    currency = BusinessSettings.load().currency

    def data(limit: int | None = None) -> Iterator[list[Any]]:
        # Sums come back from some databases without their places: "120" is shown as "120.00".
        for row in rows(since, until, currency, limit):
            yield [quantize(v, currency) if n in money_columns else v for n, v in enumerate(row)]

    if request.GET.get("export") == "csv":
        response = StreamingHttpResponse(
            _csv_lines(header, data()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{slug}-{since:%Y-%m-%d}-{until:%Y-%m-%d}.csv"'
        )
        return response  # type: ignore[return-value]  # streamed: a response all the same
    # The first SHOWN rows are shown; the totals are of every row: summed by the database
    # when it can (totals_of), else here while the rows go by (never kept).
    shown: list[list[Any]] = []
    totals: dict[int, Any] = {}
    more = False
    for row in data(SHOWN + 1 if totals_of else None):
        if len(shown) == SHOWN:
            more = True
            if totals_of:
                break
        else:
            shown.append(row)
        for n in money_columns:
            totals[n] = totals.get(n, 0) + row[n]
    if more and totals_of is not None:
        found = totals_of(since, until, currency)
        totals = {n: quantize(Decimal(v or 0), currency) for n, v in found.items()}
    return render(
        request,
        "backoffice/reports/table.html",
        {
            "nav": "reports",
            "title": title,
            "note": note,
            "filters": filters,
            "since": since,
            "until": until,
            "currency": currency,
            "header": header,
            "money_columns": list(money_columns),
            "rows": [
                [(value, _kind(n, value, money_columns)) for n, value in enumerate(row)]
                for row in shown
            ],
            "more": more,
            "shown": SHOWN,
            "totals": [totals.get(n) for n in range(len(header))] if totals else [],
        },
    )


def _kind(n: int, value: Any, money_columns: Sequence[int]) -> str:
    """How a report's cell is shown: money, a day (one line), or text (wrapped anywhere, so
    a long gateway reference doesn't squeeze the other columns)."""
    if n in money_columns:
        return "money"
    return "day" if isinstance(value, date) else "text"


def _csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV a line at a time, so a year of invoices never sits in memory at once; every
    cell through csv_cell (formulas neutralised), as csv_write does."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chain([header], ([csv_cell(value) for value in row] for row in rows)):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _bad_period(
    request: HttpRequest, filters: PeriodForm, *, title: str, note: str
) -> HttpResponse:
    """Dates that make no sense are said so, never swapped or ignored; a CSV export of them
    is refused."""
    if request.GET.get("export") == "csv":
        errors = "; ".join(str(e) for errs in filters.errors.values() for e in errs)
        return HttpResponse(f"Wrong dates: {errors}", status=400, content_type="text/plain")
    context = {"nav": "reports", "title": title, "note": note, "filters": filters}
    return render(request, "backoffice/reports/table.html", context, status=400)


@staff_required("reports")
def paid_invoices_report(request: HttpRequest) -> HttpResponse:
    def rows(since: date, until: date, currency: str, limit: int | None) -> Iterable[Row]:
        for i in selectors.paid_invoices(since=since, until=until, currency=currency, limit=limit):
            yield (
                i.number,
                i.customer.name,
                i.issue_date,
                i.paid_on,
                i.subtotal,
                i.tax,
                i.total,
                i.credited,
            )

    return _report(
        request,
        slug="paid-invoices",
        title="Paid invoices",
        header=["Number", "Customer", "Issued", "Paid on", "Net", "Tax", "Total", "Credited"],
        rows=rows,
        money_columns=[4, 5, 6, 7],
        note="Invoices paid in full between the dates. Credited: the total of the credit "
        "notes on each, taken off what was left to pay when issued before the payment, "
        "refunded or kept as account credit when issued after it.",
        totals_of=lambda since, until, currency: dict(
            zip(
                [4, 5, 6, 7],
                selectors.paid_invoices_totals(since=since, until=until, currency=currency),
                strict=True,
            )
        ),
    )


@staff_required("reports")
def payments_report(request: HttpRequest) -> HttpResponse:
    labels = dict(PaymentMethod.choices)

    def rows(since: date, until: date, currency: str, limit: int | None) -> Iterable[Row]:
        for method, count, total in selectors.payments_by_method(
            since=since, until=until, currency=currency
        ):
            yield (labels.get(method, method), count, total)

    return _report(
        request,
        slug="payments-by-method",
        title="Payments by method",
        header=["Method", "Payments", "Amount"],
        rows=rows,
        money_columns=[2],
        note="Payments received between the dates.",
    )


@staff_required("reports")
def refunds_report(request: HttpRequest) -> HttpResponse:
    def rows(since: date, until: date, currency: str, limit: int | None) -> Iterable[Row]:
        for r in refunds_given(since=since, until=until, currency=currency, limit=limit):
            yield (r.day, r.customer, r.method, r.document, r.reference, r.reason, r.amount)

    return _report(
        request,
        slug="refunds",
        title="Refunds",
        header=["Date", "Customer", "Method", "Refund of", "Reference", "Reason", "Amount"],
        rows=rows,
        money_columns=[6],
        note="Money given back between the dates: refunds of payments (at the gateway or by "
        "hand) and refunds recorded on credit notes. A payment's refund is counted once, "
        "though it also issues a credit note for the invoiced part.",
        totals_of=lambda since, until, currency: {
            6: refunds_total(since=since, until=until, currency=currency)
        },
    )


@staff_required("reports")
def credit_report(request: HttpRequest) -> HttpResponse:
    def rows(since: date, until: date, currency: str, limit: int | None) -> Iterable[Row]:
        for customer, balance in selectors.credit_balances(
            currency=currency, until=until, limit=limit
        ):
            yield (customer.pk, customer.name, customer.email, balance)

    return _report(
        request,
        slug="credit-balances",
        title="Credit balances",
        header=["Customer id", "Customer", "Email", "Balance"],
        rows=rows,
        money_columns=[3],
        note="Account credit each customer held at the end of the last date.",
        totals_of=lambda since, until, currency: {
            3: selectors.credit_total(currency=currency, until=until)
        },
    )


@staff_required("reports")
def tax_report(request: HttpRequest) -> HttpResponse:
    def rows(since: date, until: date, currency: str, limit: int | None) -> Iterable[Row]:
        for row in selectors.tax_collected(since=since, until=until, currency=currency):
            yield (f"{row.month:%Y-%m}", row.name, f"{row.rate.normalize():f}", row.net, row.tax)

    return _report(
        request,
        slug="tax-collected",
        title="Tax collected",
        header=["Month", "Tax", "Rate %", "Net", "Tax amount"],
        rows=rows,
        money_columns=[3, 4],
        note="Tax on the invoices issued between the dates (void invoices left out), less the "
        "tax of the credit notes issued between them, by month and rate: a credit note counts "
        "in the month of its own date.",
    )


@staff_required("reports")
def login_report(request: HttpRequest) -> HttpResponse:
    filters = LoginFilterForm(request.GET or None)
    attempts = LoginAttempt.objects.all()
    if filters.is_valid() and filters.cleaned_data["result"]:
        attempts = attempts.filter(result=filters.cleaned_data["result"])
    return render(
        request,
        "backoffice/reports/logins.html",
        {"nav": "reports", "filters": filters, "page": paginate(request, attempts, PER_PAGE)},
    )
