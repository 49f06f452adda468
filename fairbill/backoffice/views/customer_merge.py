"""Merging a duplicate customer into this one: find it, review what moves, confirm."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.package_forms import MergeConfirmForm, MergeSearchForm
from fairbill.core.errors import FairbillError
from fairbill.core.validation import ascii_digits
from fairbill.customers.merge import customer_merge, customer_merge_preview
from fairbill.customers.models import Customer
from fairbill.customers.selectors import customer_search

RESULTS = 20


@staff_required("customers")
def customer_merge_page(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Customer, pk=pk)
    if request.method == "POST":
        return _confirm(request, target)
    search = MergeSearchForm(request.GET or None)
    context: dict[str, Any] = {"nav": "customers", "customer": target, "search": search}
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if query:
        context["results"] = list(
            customer_search(query=query)
            .exclude(pk=target.pk)
            .select_related("merged_into")[:RESULTS]
        )
        context["query"] = query
    source_id = request.GET.get("source", "")
    if ascii_digits(source_id):
        source = get_object_or_404(Customer, pk=int(source_id))
        context["source"] = source
        try:
            context["items"] = customer_merge_preview(target=target, source=source)
        except FairbillError as exc:
            context["refusal"] = exc.message
        else:
            context["confirm"] = MergeConfirmForm(initial={"source": source.pk})
    return render(request, "backoffice/customers/merge.html", context)


def _confirm(request: HttpRequest, target: Customer) -> HttpResponse:
    form = MergeConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the customer to merge first.")
        return redirect("backoffice:customer_merge", pk=target.pk)
    source = get_object_or_404(Customer, pk=form.cleaned_data["source"])
    try:
        moved = customer_merge(actor=request.actor, target=target, source=source)  # type: ignore[attr-defined]
    except FairbillError as exc:
        messages.error(request, exc.message)
        return redirect(
            f"{request.path}?source={source.pk}"  # back to the review with the reason
        )
    summary = ", ".join(f"{item.count} {item.label}" for item in moved) or "nothing to move"
    messages.success(request, f"{_named(source)} merged into {_named(target)}: {summary}.")
    return redirect("backoffice:customer_detail", pk=target.pk)


def _named(customer: Customer) -> str:
    """Number, name and email: two customers may share a name."""
    return f"#{customer.pk} {customer.name} ({customer.email})"
