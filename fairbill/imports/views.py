"""Settings → Imports: customers and time entries from CSV files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fairbill.accounts.access import staff_required
from fairbill.core import clock
from fairbill.core.errors import FairbillError
from fairbill.core.validation import ascii_digits
from fairbill.customers.models import Customer
from fairbill.imports.csvfiles import (
    CUSTOMER_FIELD_LABELS,
    CUSTOMER_FIELDS,
    REQUIRED_CUSTOMER_FIELDS,
    TIME_FIELDS,
    guess_mapping,
    read_csv,
)
from fairbill.imports.services import customers_csv_import, time_entries_from_csv
from fairbill.imports.uploads import upload_forget, upload_keep, upload_read
from fairbill.timebilling.calculations import GROUP_BY, parse_rate
from fairbill.timebilling.services import time_invoice_create, time_plan


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file")


class TimeUploadForm(UploadForm):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.filter(merged_into__isnull=True).order_by("name"),
        empty_label="Choose a customer…",
    )
    group_by = forms.ChoiceField(
        label="One line per", choices=[(g, g.capitalize()) for g in GROUP_BY]
    )
    hourly_rate = forms.CharField(
        label="Hourly rate", required=False, help_text="Empty: the customer's rate."
    )


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"imports/{template}", {"nav": "settings", "tab": "imports", **context})


@staff_required("customers")
def index(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "index.html",
        {"customer_fields": CUSTOMER_FIELD_LABELS.values(), "time_fields": TIME_FIELDS},
    )


@staff_required("customers")
def customers_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            read_csv(data)
        except FairbillError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:customers_preview", upload_keep(request, data))
    return _page(request, "customers_upload.html", {"form": form})


@staff_required("customers")
def customers_preview(request: HttpRequest, token: str) -> HttpResponse:
    """The column mapping (guessed, then as chosen), and a trial import: the rows it would
    create, skip, and every error with its line number. POST imports for real."""
    try:
        sheet = read_csv(upload_read(request, token))
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect("imports:customers_upload")
    source = request.POST if request.method == "POST" else request.GET
    mapping = (
        _mapping(source, sheet.headers)
        if "mapped" in source
        else guess_mapping(sheet.headers, CUSTOMER_FIELDS)
    )
    actor = request.actor  # type: ignore[attr-defined]
    report = None
    try:
        real = request.method == "POST"
        report = customers_csv_import(actor=actor, sheet=sheet, mapping=mapping, dry_run=not real)
        if real and report.written:
            upload_forget(request, token)
            messages.success(
                request,
                f"{report.created} customer{'s' if report.created != 1 else ''} imported"
                + (f", {len(report.skipped)} already there" if report.skipped else "")
                + ".",
            )
            return redirect("backoffice:customer_list")
        if real:
            messages.error(request, "Nothing was imported: fix the lines below and upload again.")
    except FairbillError as exc:
        messages.error(request, exc.message)
    return _page(
        request,
        "customers_preview.html",
        {
            "token": token,
            "headers": list(enumerate(sheet.headers)),
            "fields": [
                (f, CUSTOMER_FIELD_LABELS[f], f in REQUIRED_CUSTOMER_FIELDS, mapping.get(f))
                for f in CUSTOMER_FIELDS
            ],
            "sample": sheet.rows[:5],
            "rows": len(sheet.rows),
            "report": report,
        },
    )


def _mapping(source: Any, headers: list[str]) -> dict[str, int]:
    mapping = {}
    for field in CUSTOMER_FIELDS:
        raw = source.get(f"col-{field}", "")
        if ascii_digits(raw) and int(raw) < len(headers):
            mapping[field] = int(raw)
    return mapping


@staff_required("invoices")
def time_upload(request: HttpRequest) -> HttpResponse:
    form = TimeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            read_csv(data)
        except FairbillError as exc:
            form.add_error("file", exc.message)
        else:
            token = upload_keep(request, data)
            query = (
                f"customer={form.cleaned_data['customer'].pk}"
                f"&group_by={form.cleaned_data['group_by']}"
                f"&hourly_rate={form.cleaned_data['hourly_rate']}"
            )
            return redirect(f"/imports/time/{token}/?{query}")
    return _page(request, "time_upload.html", {"form": form})


@staff_required("invoices")
def time_preview(request: HttpRequest, token: str) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    customer = Customer.objects.filter(
        pk=int(source.get("customer", "0") or 0) if ascii_digits(source.get("customer", "")) else 0,
        merged_into__isnull=True,
    ).first()
    group_by = source.get("group_by", "project")
    if customer is None:
        messages.error(request, "Choose a customer.")
        return redirect("imports:time_upload")
    plan, rows = None, None
    try:
        sheet = read_csv(upload_read(request, token))
        rows = time_entries_from_csv(
            sheet=sheet, mapping=guess_mapping(sheet.headers, TIME_FIELDS), customer=customer
        )
        raw_rate = source.get("hourly_rate", "").strip()
        rate = parse_rate(raw_rate) if raw_rate else None
        if not rows.errors:
            if request.method == "POST":
                done = time_invoice_create(
                    actor=request.actor,  # type: ignore[attr-defined]
                    customer=customer,
                    entries=rows.entries,
                    group_by=group_by,
                    issue_date=clock.today(),
                    hourly_rate=rate,
                )
                assert done.invoice is not None
                messages.success(request, f"Invoice {done.invoice.number} created.")
                return redirect("backoffice:invoice_detail", done.invoice.pk)
            plan = time_plan(
                customer=customer, entries=rows.entries, group_by=group_by, hourly_rate=rate
            )
    except FairbillError as exc:
        messages.error(request, exc.message)
    return _page(
        request,
        "time_preview.html",
        {
            "token": token,
            "plan": plan,
            "rows": rows,
            "customer": customer,
            "params": {
                "customer": customer.pk,
                "group_by": group_by,
                "hourly_rate": source.get("hourly_rate", ""),
            },
        },
    )
