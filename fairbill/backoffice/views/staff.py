"""Settings → staff users: list, create with privileges, change privileges."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fairbill.accounts.access import staff_required
from fairbill.accounts.models import PRIVILEGES, User
from fairbill.accounts.services import staff_create, staff_set_privileges
from fairbill.backoffice.forms import PrivilegesForm, StaffCreateForm
from fairbill.backoffice.views.common import show_error
from fairbill.core.errors import FairbillError


@staff_required("staff")
def staff_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.filter(is_staff=True).order_by("username")
    rows = [(user, [PRIVILEGES[p] for p in user.privileges]) for user in users]
    return render(
        request,
        "backoffice/staff/list.html",
        {"nav": "settings", "tab": "staff", "rows": rows, "all_count": len(PRIVILEGES)},
    )


@staff_required("staff")
def staff_new(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_create(actor=request.actor, **form.cleaned_data)  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Staff user {user.username} created.")
            return redirect("backoffice:staff_list")
    return render(
        request,
        "backoffice/staff/form.html",
        {"nav": "settings", "tab": "staff", "form": form, "staff_user": None},
    )


@staff_required("staff")
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk, is_staff=True)
    form = PrivilegesForm(request.POST or None, initial={"privileges": user.privileges})
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_set_privileges(
                actor=request.actor,  # type: ignore[attr-defined]
                user=user,
                privileges=form.cleaned_data["privileges"],
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"Privileges of {user.username} saved.")
            return redirect("backoffice:staff_list")
    return render(
        request,
        "backoffice/staff/form.html",
        {"nav": "settings", "tab": "staff", "form": form, "staff_user": user},
    )
