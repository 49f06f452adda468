"""Invoices: the list (for now its empty state)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.backoffice.access import staff_required


@staff_required("invoices")
def invoice_list(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/invoices/list.html", {"nav": "invoices"})
