"""Settings → Integrations → Basecamp: connect, import customers, link projects, invoice time."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.backoffice.views.common import show_error
from fairbill.core import clock
from fairbill.core.errors import FairbillError
from fairbill.core.validation import ascii_digits
from fairbill.customers.models import Customer
from fairbill.customers.selectors import invoice_details_missing
from fairbill.integrations.basecamp import conf
from fairbill.integrations.basecamp.forms import CredentialsForm, TimeForm
from fairbill.integrations.basecamp.importer import (
    PER,
    ImportReport,
    basecamp_customers_import,
    basecamp_entries,
    candidates_from_people,
    customers_plan,
    project_link,
    project_suggestion,
    projects_sync,
)
from fairbill.integrations.basecamp.models import Project
from fairbill.integrations.basecamp.services import (
    basecamp_client,
    connection_account_choose,
    connection_authorize,
    connection_credentials_save,
    connection_disconnect,
    connection_get,
    connection_test,
    launchpad_for,
)
from fairbill.timebilling.calculations import parse_rate
from fairbill.timebilling.services import (
    customer_rate,
    hourly_rate_set,
    time_invoice_create,
    time_plan,
)

STATE_KEY = "basecamp_oauth_state"


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(
        request,
        f"integrations/basecamp/{template}",
        {"nav": "settings", "tab": "integrations", "connection": connection_get(), **context},
    )


@staff_required("settings")
def overview(request: HttpRequest) -> HttpResponse:
    connection = connection_get()
    initial = {
        "client_id": connection.client_id,
        "redirect_uri": connection.redirect_uri or conf.default_redirect_uri(),
    }
    form = CredentialsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            connection_credentials_save(actor=request.actor, **form.cleaned_data)  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "Basecamp integration details saved.")
            return redirect("basecamp:overview")
    return _page(
        request,
        "overview.html",
        {"form": form, "launchpad_url": conf.launchpad_url(), "projects": Project.objects.count()},
    )


@staff_required("settings")
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    try:
        launchpad = launchpad_for(connection_get())
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect("basecamp:overview")
    state = secrets.token_urlsafe(24)
    request.session[STATE_KEY] = state
    return redirect(launchpad.authorize_url(state))


@staff_required("settings")
def callback(request: HttpRequest) -> HttpResponse:
    expected = request.session.pop(STATE_KEY, None)
    if not expected or request.GET.get("state") != expected:
        messages.error(request, "That Basecamp authorisation didn't come from here; connect again.")
        return redirect("basecamp:overview")
    if request.GET.get("error"):
        messages.error(request, "Basecamp access was not granted.")
        return redirect("basecamp:overview")
    try:
        connection = connection_authorize(actor=request.actor, code=request.GET.get("code", ""))  # type: ignore[attr-defined]
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect("basecamp:overview")
    if connection.is_connected:
        messages.success(request, f"Connected to Basecamp: {connection.account_name}.")
    else:
        messages.info(request, "Choose the Basecamp account to connect.")
    return redirect("basecamp:overview")


@staff_required("settings")
@require_POST
def choose_account(request: HttpRequest) -> HttpResponse:
    try:
        account_id = int(request.POST.get("account", ""))
        connection = connection_account_choose(actor=request.actor, account_id=account_id)  # type: ignore[attr-defined]
    except (ValueError, FairbillError) as exc:
        messages.error(request, getattr(exc, "message", "Choose an account."))
    else:
        messages.success(request, f"Connected to Basecamp: {connection.account_name}.")
    return redirect("basecamp:overview")


@staff_required("settings")
@require_POST
def test(request: HttpRequest) -> HttpResponse:
    try:
        name = connection_test()
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Basecamp answers: connected to {name}.")
    return redirect("basecamp:overview")


@staff_required("settings")
@require_POST
def disconnect(request: HttpRequest) -> HttpResponse:
    connection_disconnect(actor=request.actor)  # type: ignore[attr-defined]
    messages.success(request, "Basecamp disconnected; its tokens were deleted.")
    return redirect("basecamp:overview")


@staff_required("customers")
def customers(request: HttpRequest) -> HttpResponse:
    """GET: the preview for ?per=company|person; POST: the import."""
    per = request.POST.get("per") or request.GET.get("per") or "company"
    per = per if per in PER else "company"
    try:
        client = basecamp_client()
        try:
            people = client.people()
        finally:
            client.close()
        candidates = candidates_from_people(people, per)
        if request.method == "POST":
            report = basecamp_customers_import(actor=request.actor, candidates=candidates)  # type: ignore[attr-defined]
            messages.success(
                request,
                f"Imported from Basecamp: {report.count('create')} created, "
                f"{report.count('update')} updated, {report.count('link')} linked, "
                f"{report.count('unchanged')} unchanged.",
            )
            _warn_incomplete(request, report)
            return redirect(f"{request.path}?per={per}")
        rows = customers_plan(candidates)
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect("basecamp:overview")
    counts = {a: sum(1 for r in rows if r.action == a) for a in ("create", "update", "link")}
    return _page(
        request,
        "customers.html",
        {"rows": rows, "per": per, "counts": counts, "to_do": sum(counts.values())},
    )


def _warn_incomplete(request: HttpRequest, report: ImportReport) -> None:
    imported = [r.customer for r in report.rows if r.customer is not None]
    lacking = [c for c in imported if invoice_details_missing(c)]
    if lacking:
        messages.warning(
            request,
            f"{len(lacking)} imported customer{'s' if len(lacking) != 1 else ''} "
            "lack what an invoice needs (Basecamp has no postal address): "
            "see Customers › Missing invoice details.",
        )


@staff_required("settings")
def projects(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "refresh":
        try:
            client = basecamp_client()
            try:
                found = client.projects()
            finally:
                client.close()
            synced = projects_sync(actor=request.actor, projects=found, link_suggested=True)  # type: ignore[attr-defined]
        except FairbillError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{len(synced)} project(s) read from Basecamp.")
        return redirect("basecamp:projects")
    items = list(Project.objects.select_related("customer"))
    if request.method == "POST":
        errors = _save_projects(request, items)
        if not errors:
            messages.success(request, "Project links saved.")
            return redirect("basecamp:projects")
        for error in errors:
            messages.error(request, error)
    customers_list = Customer.objects.filter(merged_into__isnull=True).order_by("name")
    rows = [{"project": p, "suggestion": project_suggestion(p)} for p in items]
    return _page(request, "projects.html", {"rows": rows, "customers": customers_list})


def _save_projects(request: HttpRequest, items: list[Project]) -> list[str]:
    errors = []
    for project in items:
        raw = request.POST.get(f"customer-{project.pk}", "")
        customer = Customer.objects.filter(pk=int(raw)).first() if ascii_digits(raw) else None
        try:
            project_link(
                actor=request.actor,  # type: ignore[attr-defined]
                project=project,
                customer=customer,
                hourly_rate=request.POST.get(f"rate-{project.pk}", "").strip(),
            )
        except FairbillError as exc:
            errors.append(exc.message)
    return errors


@staff_required("invoices")
def time(request: HttpRequest) -> HttpResponse:
    """GET with the form's fields: the preview; POST: the invoice."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = TimeForm(data)
    plan = None
    if data is not None and form.is_valid():
        customer: Customer = form.cleaned_data["customer"]
        try:
            rate = _rate(form.cleaned_data["hourly_rate"])
            if rate is not None and request.POST.get("remember_rate"):
                hourly_rate_set(actor=request.actor, customer=customer, rate=rate)  # type: ignore[attr-defined]
            client = basecamp_client()
            try:
                entries = basecamp_entries(
                    client=client,
                    customer=customer,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
            finally:
                client.close()
            if request.method == "POST":
                done = time_invoice_create(
                    actor=request.actor,  # type: ignore[attr-defined]
                    customer=customer,
                    entries=entries,
                    group_by=form.cleaned_data["group_by"],
                    issue_date=clock.today(),
                    hourly_rate=rate,
                )
                assert done.invoice is not None
                messages.success(
                    request,
                    f"Invoice {done.invoice.number} created for {len(done.new)} time "
                    f"entries ({done.hours.normalize()} h).",
                )
                return redirect("backoffice:invoice_detail", done.invoice.pk)
            plan = time_plan(
                customer=customer,
                entries=entries,
                group_by=form.cleaned_data["group_by"],
                hourly_rate=rate,
            )
        except FairbillError as exc:
            show_error(form, exc)
    elif data is None:
        form = TimeForm(initial=_default_range())
    rate_now = None
    if form.is_bound and form.is_valid():
        rate_now = customer_rate(form.cleaned_data["customer"])
    return _page(request, "time.html", {"form": form, "plan": plan, "customer_rate": rate_now})


def _rate(raw: str) -> Decimal | None:
    return parse_rate(raw) if raw and raw.strip() else None


def _default_range() -> dict[str, Any]:
    today = clock.today()
    first = today.replace(day=1)
    return {"start": first, "end": today, "group_by": "project"}


@staff_required("customers")
@require_POST
def customer_rate_save(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    try:
        hourly_rate_set(actor=request.actor, customer=customer, rate=request.POST.get("rate", ""))  # type: ignore[attr-defined]
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Hourly rate of {customer.name} saved.")
    return redirect("basecamp:projects")
