"""The customer page's email actions: send the signup email again, re-send any email logged
for the customer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.core.errors import FairbillError
from fairbill.customers.models import Customer
from fairbill.notifications.models import EmailLog
from fairbill.notifications.services import email_resend, email_signup_resend


@require_POST
@staff_required("customers")
def customer_signup_email(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk, merged_into__isnull=True)
    try:
        log = email_signup_resend(actor=request.actor, customer=customer)  # type: ignore[attr-defined]
    except FairbillError as exc:
        messages.error(request, exc.message)
    else:
        log.refresh_from_db()
        messages.success(
            request, f"Signup email sent again to {log.to or customer.email} ({log.status})."
        )
    return redirect("backoffice:customer_emails", pk=customer.pk)


@require_POST
@staff_required("customers")
def customer_email_resend(request: HttpRequest, pk: int, log_pk: int) -> HttpResponse:
    log = get_object_or_404(EmailLog, pk=log_pk, customer_id=pk)
    copy = email_resend(actor=request.actor, log=log)  # type: ignore[attr-defined]
    copy.refresh_from_db()
    messages.success(request, f"Email sent again ({copy.get_status_display().lower()}).")
    return redirect("backoffice:customer_emails", pk=pk)
