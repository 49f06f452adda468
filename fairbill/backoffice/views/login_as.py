"""Staff logging in to a customer's My Account.

Needs the 'login_as' privilege, is recorded as an Event at start and end, and keeps the staff
member's identity in the session so My Account shows a banner with a way back. The staff
member never sees or sets the customer's password.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairbill.accounts.access import staff_required
from fairbill.accounts.models import User
from fairbill.core.actors import Actor
from fairbill.core.services import event_record
from fairbill.customers.models import Customer

SESSION_KEY = "fairbill_login_as"
BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_POST
@staff_required("login_as")
def login_as_start(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id, merged_into__isnull=True)
    staff = request.user
    assert isinstance(staff, User)
    if customer.user is None or not customer.user.is_active:
        messages.error(request, "This customer has no active My Account login.")
        return redirect("backoffice:customer_detail", customer.pk)
    if customer.user.is_staff:  # never become staff through a customer record
        messages.error(request, "This login belongs to a staff user.")
        return redirect("backoffice:customer_detail", customer.pk)
    device = getattr(staff, "otp_device", None)
    event_record(
        actor=Actor.staff(staff),
        action="customer.login_as",
        subject=customer,
        customer_id=customer.pk,
        message=f"{staff.username} logged in as the customer",
    )
    # not a login attempt for the login report
    request.fairbill_login_as = True  # type: ignore[attr-defined]
    login(request, customer.user, backend=BACKEND)
    request.session[SESSION_KEY] = {
        "staff_id": staff.pk,
        "staff_name": staff.get_full_name() or staff.username,
        "customer_id": customer.pk,
        "device": device.persistent_id if device is not None else None,
    }
    return redirect("portal:overview")


@require_POST
def login_as_end(request: HttpRequest) -> HttpResponse:
    """Back to the back office as the staff member who started it."""
    state = request.session.get(SESSION_KEY)
    if not state:
        return redirect("backoffice:dashboard")
    staff = User.objects.filter(pk=state["staff_id"], is_staff=True, is_active=True).first()
    customer_id = state["customer_id"]
    logout(request)
    if staff is None:
        return redirect("backoffice:login")
    request.fairbill_login_as = True  # type: ignore[attr-defined]
    login(request, staff, backend=BACKEND)
    device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
    if device is not None and state.get("device") == device.persistent_id:
        otp_login(request, device)
    event_record(
        actor=Actor.staff(staff),
        action="customer.login_as_ended",
        subject=Customer.objects.get(pk=customer_id),
        customer_id=customer_id,
    )
    return redirect("backoffice:customer_detail", customer_id)
