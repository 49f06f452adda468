"""Reports: the login report (every staff and customer login attempt)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fairbill.accounts.models import LoginAttempt
from fairbill.backoffice.access import staff_required
from fairbill.backoffice.forms import LoginFilterForm
from fairbill.backoffice.views.common import paginate

PER_PAGE = 50


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
