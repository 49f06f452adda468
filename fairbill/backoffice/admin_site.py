"""Django admin as a raw-data tool for administrators only, behind the back office's own
login and second factor, and off unless FAIRBILL_DJANGO_ADMIN=1 (docs/install.md).

Its login page is the back office's: /django-admin/login/ sends to /login/ (password, then
the TOTP code), so the admin can't be a way around the second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from fairbill.accounts.access import staff_login_problem


def _is_administrator(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_administrator", False) and request.user.is_superuser)


def _refuse_when_off() -> None:
    if not settings.DJANGO_ADMIN:
        raise Http404("Django admin is off (FAIRBILL_DJANGO_ADMIN).")


class FairbillAdminSite(admin.AdminSite):
    site_header = "Fairbill raw data (Django admin)"
    site_title = "Fairbill admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return staff_login_problem(request) is None and _is_administrator(request)

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        wrapped = super().admin_view(view, cacheable)

        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            _refuse_when_off()
            if staff_login_problem(request) is None and not _is_administrator(request):
                raise PermissionDenied("Django admin is for administrators only.")
            return wrapped(request, *args, **kwargs)

        return update_wrapper(checked, wrapped)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """No login form of its own: the back office's login (with its code step), or a
        refusal for staff who are logged in but not administrators."""
        _refuse_when_off()
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            next_url = reverse("admin:index")
        problem = staff_login_problem(request)
        if problem is not None:
            if request.user.is_authenticated and request.user.is_staff:
                return problem  # the code step or the two-factor setup
            return redirect_to_login(next_url)
        if not _is_administrator(request):
            raise PermissionDenied("Django admin is for administrators only.")
        return redirect(next_url)
