"""Who may open a back-office page: logged-in, active staff, verified by TOTP when they have
a device (or when the business requires it), with the page's privilege. Django admin
(/django-admin/) uses the same check (backoffice.admin_site)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairbill.core.actors import Actor
from fairbill.core.models import BusinessSettings

View = Callable[..., HttpResponse]


def staff_login_problem(request: HttpRequest) -> HttpResponse | None:
    """The answer for a request that is not from a logged-in, active staff user who passed
    the second factor (when they have one or the business requires one); None when it is."""
    user = request.user
    if not user.is_authenticated or not user.is_staff or not user.is_active:
        return redirect_to_login(request.get_full_path())
    has_device = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    if has_device and not user.is_verified():  # type: ignore[attr-defined]
        return redirect_to_login(request.get_full_path())
    if not has_device and BusinessSettings.load().require_staff_2fa:
        return redirect("accounts:two_factor")
    return None


def staff_required(privilege: str | None = None) -> Callable[[View], View]:
    """Decorate a back-office view; `privilege` is one of accounts.models.PRIVILEGES."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            problem = staff_login_problem(request)
            if problem is not None:
                return problem
            user = request.user
            if privilege and not user.has_privilege(privilege):  # type: ignore[union-attr]
                raise PermissionDenied(f"You need the '{privilege}' privilege for this page.")
            request.actor = Actor.staff(user)  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
