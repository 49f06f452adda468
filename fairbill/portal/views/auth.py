"""My Account login, logout, password change and reset: Django's auth views with our
templates; staff logins are refused. django-axes locks out repeated failures and the login
report records every attempt (area "account")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponse
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator

from fairbill.accounts.throttle import count_failure, throttled
from fairbill.core.actors import Actor
from fairbill.customers.logins import invitation_tokens
from fairbill.customers.models import Customer
from fairbill.portal.access import customer_actor, customer_required
from fairbill.portal.forms import CustomerLoginForm, CustomerPasswordResetForm
from fairbill.portal.services import account_password_changed


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = CustomerLoginForm

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        return throttled(request, "login") or super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        count_failure(self.request, "login")
        return super().form_invalid(form)

    def get_default_redirect_url(self) -> str:
        return reverse("portal:overview")


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


@method_decorator(customer_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:overview")
    extra_context = {"nav": "password"}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        account_password_changed(
            actor=customer_actor(self.request),
            customer=self.request.customer,  # type: ignore[attr-defined]
        )
        messages.success(self.request, "Your password is changed.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Every request counts towards the address's attempts: each one may send an email."""

    template_name = "portal/password_reset.html"
    form_class = CustomerPasswordResetForm
    success_url = reverse_lazy("portal:password_reset_done")

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        if too_many := throttled(request, "password_reset"):
            return too_many
        count_failure(request, "password_reset")
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


class InvitationView(auth_views.PasswordResetConfirmView):
    """The link of a My Account invitation: the customer chooses a password (the same rules
    as everywhere), then logs in. Works once, until it expires, and not for a disabled or
    staff login."""

    template_name = "portal/invitation.html"
    form_class = SetPasswordForm
    token_generator = invitation_tokens
    reset_url_token = "set-password"
    success_url = reverse_lazy("portal:login")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        if user is None or not user.is_active or user.is_staff:
            return None
        return user if Customer.objects.filter(user=user).exists() else None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        customer = Customer.objects.get(user=form.user)
        account_password_changed(actor=Actor.customer(form.user), customer=customer)
        messages.success(self.request, "Your password is set. Log in with it now.")
        return response
