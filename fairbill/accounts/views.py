"""Staff login with optional TOTP second step, logout, and two-factor setup."""

from __future__ import annotations

import io
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fairbill.accounts.models import LoginAttempt, User
from fairbill.accounts.services import login_attempt_record
from fairbill.accounts.throttle import count_failure, throttled
from fairbill.core.actors import Actor
from fairbill.core.services import event_record

PENDING_2FA = "fairbill_pending_2fa_user"
NEXT_URL = "fairbill_next"


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput)


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$",
        max_length=6,
        label="6-digit code",
        error_messages={"invalid": "Enter the 6 digits your app shows."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def staff_login(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (too_many := throttled(request, "login")):
        return too_many
    form = LoginForm(request.POST or None)
    if request.method == "POST" and not form.is_valid():
        count_failure(request, "login")
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is None or not user.is_staff:
            count_failure(request, "login")
        if getattr(request, "axes_locked_out", False):
            return locked_out(request, None, {})
        if user is None:
            form.add_error(None, "That username and password don't match.")
        elif not user.is_staff:
            login_attempt_record(
                username=user.get_username(), result=LoginAttempt.Result.FAILURE, request=request
            )
            form.add_error(None, "This is the staff login. Customers log in at My Account.")
        elif TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
            request.session[PENDING_2FA] = user.pk
            request.session[NEXT_URL] = _next_url(request)
            return redirect("accounts:login_verify")
        else:
            login(request, user)
            return redirect(_next_url(request))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


def staff_login_verify(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_2FA)
    user = User.objects.filter(pk=user_id or 0, is_staff=True, is_active=True).first()
    if user is None:
        return redirect("backoffice:login")
    if request.method == "POST" and (too_many := throttled(request, "totp")):
        return too_many
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = next(
            (
                d
                for d in TOTPDevice.objects.devices_for_user(user, confirmed=True)
                if d.verify_token(form.cleaned_data["token"])
            ),
            None,
        )
        if device is None:
            count_failure(request, "totp")
            login_attempt_record(
                username=user.get_username(), result=LoginAttempt.Result.FAILURE, request=request
            )
            form.add_error("token", "That code is wrong or has expired.")
        else:
            next_url = request.session.pop(NEXT_URL, None) or settings.LOGIN_REDIRECT_URL
            request.session.pop(PENDING_2FA, None)
            user.backend = "django.contrib.auth.backends.ModelBackend"  # type: ignore[attr-defined]
            login(request, user)
            otp_login(request, device)
            return redirect(next_url)
    return render(request, "accounts/login_verify.html", {"form": form})


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("backoffice:login")


def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up (or remove) TOTP for the logged-in staff user."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff or not user.is_active:
        return redirect_to_login(request.get_full_path())
    confirmed = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if confirmed is not None and not user.is_verified():  # type: ignore[attr-defined]
        # A session that skipped the code step can't turn two-factor off.
        return redirect_to_login(request.get_full_path())
    if confirmed is not None:
        if request.method == "POST" and request.POST.get("action") == "remove":
            TOTPDevice.objects.filter(user=user).delete()
            event_record(actor=Actor.staff(user), action="staff.2fa_removed", subject=user)
            messages.success(request, "Two-factor authentication is off.")
            return redirect("accounts:two_factor")
        return render(request, "accounts/two_factor.html", {"confirmed": True})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            event_record(actor=Actor.staff(user), action="staff.2fa_enabled", subject=user)
            messages.success(request, "Two-factor authentication is on.")
            return redirect("backoffice:dashboard")
        form.add_error("token", "That code is wrong or has expired. Try the next one.")
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode().rstrip("="),
        },
    )


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def locked_out(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
