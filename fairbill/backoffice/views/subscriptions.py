"""Customers' packages (subscriptions) across all customers, filtered by status: where the
dashboard's package counts lead."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.accounts.access import staff_required
from fairbill.backoffice.views.common import paginate
from fairbill.customers.models import Status
from fairbill.customers.selectors import customers_named
from fairbill.subscriptions.models import PackageChange, Subscription


@staff_required("customers")
def subscription_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    changed = PackageChange.objects.filter(subscription=OuterRef("pk"))
    subscriptions = (
        Subscription.objects.select_related("customer", "package")
        .annotate(changed_before=Exists(changed))
        .order_by("renewal_date", "id")
    )
    if status in Status.values:
        subscriptions = subscriptions.filter(status=status)
    else:
        status = ""
    if query:
        subscriptions = subscriptions.filter(customer__in=customers_named(query))
    return render(
        request,
        "backoffice/subscriptions/list.html",
        {
            "nav": "packages" if request.user.has_privilege("packages") else "customers",  # type: ignore[union-attr]
            "tab": "subscriptions",
            "page": paginate(request, subscriptions),
            "status": status,
            "statuses": Status.choices,
            "query": query,
        },
    )
