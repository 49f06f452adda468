"""Who may open a My Account page: a logged-in customer login (never staff). Staff viewing
as a customer ("log in as") are logged in as the customer's user, with a banner."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from fairbill.backoffice.views.login_as import SESSION_KEY as LOGIN_AS
from fairbill.core.actors import Actor
from fairbill.customers.models import Customer

View = Callable[..., HttpResponse]


def account_customer(request: HttpRequest) -> Customer | None:
    """The customer whose My Account this session may see, if any."""
    user = request.user
    if not user.is_authenticated or not user.is_active or user.is_staff:
        return None
    return Customer.objects.filter(user=user, merged_into__isnull=True).first()


def customer_actor(request: HttpRequest) -> Actor:
    """The customer acting, or the staff member acting as them (named in the Event)."""
    actor = Actor.customer(request.user)
    state = request.session.get(LOGIN_AS)
    if state:
        label = f"{actor.label} (staff {state.get('staff_name', '?')} logged in as)"
        return Actor(kind="customer", label=label, user=request.user)
    return actor


def customer_required(view: View) -> View:
    """Decorate a My Account view: it gets `request.customer`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        customer = account_customer(request)
        if customer is None:
            return render(request, "portal/forbidden.html", status=403)
        request.customer = customer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
