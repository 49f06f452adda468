"""The billing run page: the latest runs, a dry run that shows what would be billed, and a
run now (synchronous, for small installs; large ones run `fairbill bill` or the worker)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fairbill.accounts.access import staff_required
from fairbill.automation.billing_run import RunReport, billing_run
from fairbill.backoffice.billing_forms import BillingRunForm
from fairbill.core import clock
from fairbill.core.money import format_money
from fairbill.invoicing.models import BillingRun
from fairbill.invoicing.run_records import runs_mark_interrupted

RUNS_SHOWN = 20
COUNT_LABELS = [
    ("customers", "customer"),
    ("invoices_created", "invoice"),
    ("reminders", "reminder"),
    ("suspensions", "suspension"),
    ("cancellations", "cancellation"),
    ("errors", "error"),
    ("not_done", "customer not billed (locked elsewhere)"),
]


def counts_summary(counts: dict[str, Any]) -> list[str]:
    """A run's counts as short phrases: "3 invoices", "£120.00 billed"."""
    parts = [_count(counts[key], label) for key, label in COUNT_LABELS if counts.get(key)]
    for key, verb in (("total_amount", "billed"), ("credit_applied", "credit applied")):
        for currency, amount in (counts.get(key) or {}).items():
            if Decimal(amount):
                parts.append(f"{format_money(Decimal(amount), currency)} {verb}")
    return parts or ["nothing to do"]


def _count(number: int, label: str) -> str:
    noun, _, rest = label.partition(" ")
    return f"{number} {noun}{'' if number == 1 else 's'}{' ' + rest if rest else ''}"


@staff_required("invoices")
def billing_page(request: HttpRequest) -> HttpResponse:
    form = BillingRunForm(request.POST or None, initial={"as_of": clock.today()})
    report: RunReport | None = None
    if request.method == "POST" and form.is_valid():
        as_of = form.cleaned_data["as_of"]
        dry_run = "run" not in request.POST
        report = billing_run(as_of=as_of, actor=request.actor, dry_run=dry_run)  # type: ignore[attr-defined]
        if not dry_run:
            summary = ", ".join(counts_summary(report.counts()))
            if report.errors or report.not_done:
                messages.error(
                    request, f"Billing run as of {as_of:%-d %b %Y} had errors: {summary}."
                )
                return _render(request, form, report)
            messages.success(request, f"Billing run as of {as_of:%-d %b %Y} done: {summary}.")
            return redirect("backoffice:billing")
    return _render(request, form, report)


def _render(request: HttpRequest, form: BillingRunForm, report: RunReport | None) -> HttpResponse:
    runs_mark_interrupted()
    runs = [
        (run, counts_summary(run.counts or {})) for run in BillingRun.objects.all()[:RUNS_SHOWN]
    ]
    context = {
        "nav": "billing",
        "form": form,
        "report": report,
        "summary": counts_summary(report.counts()) if report else [],
        "preview": _preview_rows(report) if report and report.dry_run else [],
        "runs": runs,
    }
    return render(request, "backoffice/billing/page.html", context)


def _preview_rows(report: RunReport) -> list[dict[str, Any]]:
    rows = []
    for item in report.preview:
        lines = [
            {
                "description": line["description"],
                "amount": Decimal(line["amount"]),
                "period_start": _date(line["period_start"]),
                "period_end": _date(line["period_end"]),
            }
            for line in item["lines"]
        ]
        total = Decimal(item["total"])
        rows.append(
            {
                **item,
                "lines": lines,
                "tax": total - sum((line["amount"] for line in lines), Decimal(0)),
                "total": total,
                "credit_applied": Decimal(item["credit_applied"]),
            }
        )
    return rows


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
