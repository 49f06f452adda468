"""The billing run page: the latest runs, a dry run that shows what would be billed, and a
run now (synchronous, for small installs; large ones run `fairbill bill` or the worker)."""

from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fairbill.accounts.access import staff_required
from fairbill.automation.billing_run import RunReport, billing_run
from fairbill.backoffice.billing_forms import BillingRunForm
from fairbill.backoffice.run_progress import progress_get, progress_set
from fairbill.backoffice.views.common import show_error
from fairbill.core import clock
from fairbill.core.errors import FairbillError
from fairbill.core.limits import date_in_window
from fairbill.core.models import BusinessSettings
from fairbill.core.money import format_money
from fairbill.invoicing.models import BillingRun
from fairbill.invoicing.run_records import runs_mark_interrupted

RUNS_SHOWN = 20
# Smaller batches than the daily run's, so that the page's progress moves.
PROGRESS_BATCH = 50
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,40}")
COUNT_LABELS = [
    ("customers", "customer looked at"),
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
    """Dry run or run now. A run dated after today is a dry run unless staff confirm it
    (invoices dated in the future, overdue days counted from that date)."""
    today = clock.today()
    form = BillingRunForm(request.POST or None, initial={"as_of": today})
    report: RunReport | None = None
    future = None
    if request.method == "POST" and form.is_valid():
        as_of = form.cleaned_data["as_of"]
        try:
            date_in_window(as_of, field="as_of", label="as of")
        except FairbillError as exc:
            show_error(form, exc)
            return _render(request, form, None)
        dry_run = "run" not in request.POST
        if not dry_run and as_of > today and request.POST.get("confirm_future") != "1":
            dry_run = True
            future = _future_consequences(as_of, today)
        token = _progress_token(request.POST.get("progress"))
        if token:
            progress_set(token, 0, 0)
        report = billing_run(
            as_of=as_of,
            actor=request.actor,  # type: ignore[attr-defined]
            dry_run=dry_run,
            batch_size=PROGRESS_BATCH,
            progress=(lambda done, total: progress_set(token, done, total)) if token else None,
        )
        if token:
            progress_set(token, report.customers, report.customers, finished=True)
        if not dry_run:
            summary = ", ".join(counts_summary(report.counts()))
            if report.errors or report.not_done:
                messages.error(
                    request, f"Billing run as of {as_of:%-d %b %Y} had errors: {summary}."
                )
                return _render(request, form, report)
            messages.success(request, f"Billing run as of {as_of:%-d %b %Y} done: {summary}.")
            return redirect("backoffice:billing")
    return _render(request, form, report, future)


def _future_consequences(as_of: date, today: date) -> dict[str, Any]:
    """What a real run dated after today would do, for the confirmation step."""
    business = BusinessSettings.load()
    ahead = (as_of - today).days
    return {
        "as_of": as_of,
        "today": today,
        "days_ahead": ahead,
        "suspend_days": business.suspend_days_after_due,
        "cancel_days": business.cancel_days_after_due,
    }


def _progress_token(raw: str | None) -> str:
    return raw if raw and TOKEN.fullmatch(raw) else ""


@staff_required("invoices")
def billing_progress(request: HttpRequest) -> HttpResponse:
    runs_mark_interrupted()
    """How far the run started with this progress token is (polled by the Billing page)."""
    token = _progress_token(request.GET.get("token"))
    state = progress_get(token) if token else None
    return render(request, "backoffice/billing/_progress.html", {"state": state})


def _render(
    request: HttpRequest,
    form: BillingRunForm,
    report: RunReport | None,
    future: dict[str, Any] | None = None,
) -> HttpResponse:
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
        "future": future,
        "progress_token": secrets.token_urlsafe(12),
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
