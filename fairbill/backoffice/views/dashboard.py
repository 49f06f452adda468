from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.backoffice.access import staff_required
from fairbill.customers.models import Customer, Status


@staff_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = dict(
        Customer.objects.filter(merged_into__isnull=True)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    customer_counts = [(status, label, counts.get(status, 0)) for status, label in Status.choices]
    return render(
        request,
        "backoffice/dashboard.html",
        {"nav": "dashboard", "customer_counts": customer_counts},
    )
