"""Settings → API keys: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.accounts.models import ApiKey
from fairbill.accounts.services import api_key_create, api_key_revoke
from fairbill.backoffice.forms import ApiKeyForm
from fairbill.backoffice.views.common import show_error
from fairbill.core.errors import FairbillError


@never_cache
@staff_required("staff")
def api_key_list(request: HttpRequest) -> HttpResponse:
    form = _form(request, request.POST or None)
    new_key = raw_key = None
    if request.method == "POST" and form.is_valid():
        try:
            new_key, raw_key = api_key_create(
                actor=request.actor,  # type: ignore[attr-defined]
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
            )
        except FairbillError as exc:
            show_error(form, exc)
        else:
            # Rendered, not redirected: the secret is never stored, so this is its only showing.
            form = _form(request, None)
    keys = ApiKey.objects.select_related("user").order_by("revoked_at", "-created_at")
    return render(
        request,
        "backoffice/api_keys/list.html",
        {
            "nav": "settings",
            "tab": "api_keys",
            "form": form,
            "keys": keys,
            "new_key": new_key,
            "raw_key": raw_key,
        },
    )


def _form(request: HttpRequest, data: Any) -> ApiKeyForm:
    """Administrators choose whom a key acts as; other staff make keys for themselves only
    (api_key_create refuses the rest)."""
    form = ApiKeyForm(data, initial={"user": request.user.pk})
    if not request.user.is_administrator:  # type: ignore[union-attr]
        field = form.fields["user"]
        field.queryset = field.queryset.filter(pk=request.user.pk)  # type: ignore[attr-defined]
    return form


@require_POST
@staff_required("staff")
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    api_key_revoke(actor=request.actor, key=key)  # type: ignore[attr-defined]
    messages.success(request, f"API key {key.name} revoked; it no longer works.")
    return redirect("backoffice:api_key_list")
