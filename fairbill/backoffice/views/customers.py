"""Customers: list and search, create, edit, status and notes. The customer page itself is
built in customer_page.py; its billing forms are in customer_billing.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fairbill.accounts.access import staff_required
from fairbill.backoffice.forms import (
    CustomerFilterForm,
    CustomerForm,
    CustomerNoteForm,
    CustomerStatusForm,
)
from fairbill.backoffice.views.common import paginate, show_error
from fairbill.backoffice.views.customer_page import customer_for_page, customer_page
from fairbill.core.errors import FairbillError
from fairbill.customers.models import Customer
from fairbill.customers.selectors import customer_search
from fairbill.customers.services import (
    customer_create,
    customer_login_apply,
    customer_note_add,
    customer_update,
    customer_vat_check,
)
from fairbill.invoicing.models import Invoice
from fairbill.subscriptions.services import customer_status_change


@staff_required("customers")
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = CustomerFilterForm(request.GET or None)
    query = status = ""
    incomplete = False
    if filters.is_valid():
        query = filters.cleaned_data["q"]
        status = filters.cleaned_data["status"]
        incomplete = filters.cleaned_data["incomplete"]
    found = customer_search(query=query, status=status, incomplete=incomplete)
    page = paginate(request, found)
    context = {"nav": "customers", "filters": filters, "page": page, "query": query}
    # htmx live search swaps only the results.
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render(request, "backoffice/customers/_results.html", context)
    return render(request, "backoffice/customers/list.html", context)


@staff_required("customers")
def customer_new(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(
                actor=request.actor,  # type: ignore[attr-defined]
                login=form.login_values(),
                **form.customer_values(),
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Customer {customer.name} created.{_login_note(form)}")
            return redirect("backoffice:customer_detail", pk=customer.pk)
    return render(request, "backoffice/customers/form.html", {"nav": "customers", "form": form})


@staff_required("customers")
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(
                actor=request.actor,  # type: ignore[attr-defined]
                customer=customer,
                login=form.login_values(),
                **form.customer_values(),
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Customer details saved.{_login_note(form)}")
            return redirect("backoffice:customer_detail", pk=customer.pk)
    customer.refresh_from_db()  # the form changed the instance in memory
    return render(
        request,
        "backoffice/customers/form.html",
        {
            "nav": "customers",
            "form": form,
            "customer": customer,
            "invitation_days": settings.INVITATION_DAYS,
        },
    )


def _login_note(form: CustomerForm) -> str:
    login = form.login_values()
    if login is None:
        return ""
    if login["invite"]:
        return " An invitation to choose a My Account password is on its way."
    return " The My Account login is ready with the password you typed."


@require_POST
@staff_required("customers")
def customer_login_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The login box's buttons: resend the invitation, disable or enable the login."""
    customer = get_object_or_404(Customer, pk=pk)
    done: dict[str, tuple[dict[str, Any], str]] = {
        "invite": (dict(invite=True), f"Invitation sent again to {customer.email}."),
        "disable": (dict(active=False), "Login disabled: the customer can't log in."),
        "enable": (dict(active=True), "Login enabled again."),
    }
    if action not in done:
        raise Http404
    values, message = done[action]
    try:
        customer_login_apply(actor=request.actor, customer=customer, **values)  # type: ignore[attr-defined]
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("backoffice:customer_edit", pk=customer.pk)


@require_safe
@staff_required("customers")
def customer_detail(request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
    """The customer page's tab (its overview unless the address names another)."""
    return customer_page(request, customer_for_page(pk), tab)


@require_POST
@staff_required("customers")
def customer_status(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerStatusForm(request.POST)
    if form.is_valid():
        try:
            customer, cancelled = customer_status_change(
                actor=request.actor,  # type: ignore[attr-defined]
                customer=customer,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            also = (
                f"; {len(cancelled)} package{pluralize(len(cancelled))} cancelled with it"
                if cancelled
                else ""
            )
            messages.success(request, f"Status is now {customer.get_status_display()}{also}.")
            owed = customer.invoices.filter(status=Invoice.Status.UNPAID)
            unpaid = owed.count() if cancelled else 0
            if unpaid:
                messages.warning(
                    request,
                    f"{unpaid} unpaid invoice{pluralize(unpaid)} still owed, reminded and "
                    "charged as before: credit any that shouldn't be paid (a renewal issued "
                    "ahead for a period after today, say).",
                )
            return redirect("backoffice:customer_detail", pk=customer.pk)
    return customer_page(request, customer, "overview", forms_={"status": form})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required("customers")
def customer_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """The Notes tab; posted to, it adds a note."""
    customer = customer_for_page(pk)
    if request.method != "POST":
        return customer_page(request, customer, "notes")
    form = CustomerNoteForm(request.POST)
    if form.is_valid():
        try:
            customer_note_add(
                actor=request.actor,  # type: ignore[attr-defined]
                customer=customer,
                body=form.cleaned_data["body"],
                public=form.cleaned_data["public"],
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "Note added.")
            return redirect("backoffice:customer_notes", pk=customer.pk)
    return customer_page(request, customer, "notes", forms_={"note": form})


@require_POST
@staff_required("customers")
def customer_vat_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Check now": ask VIES or HMRC about the customer's VAT number."""
    customer = get_object_or_404(Customer, pk=pk)
    customer = customer_vat_check(actor=request.actor, customer=customer)  # type: ignore[attr-defined]
    status = customer.vat_check_status
    text = f"VAT number {customer.vat_number}: {customer.get_vat_check_status_display().lower()}"
    if customer.vat_check_error:
        text += f" ({customer.vat_check_error})"
    (messages.success if status == "valid" else messages.warning)(request, text + ".")
    return redirect("backoffice:customer_detail", pk=customer.pk)
