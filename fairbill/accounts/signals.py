"""Feed the login report from Django's and django-axes' authentication signals."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from fairbill.accounts.models import LoginAttempt
from fairbill.accounts.services import login_attempt_record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or getattr(request, "fairbill_login_as", False):
        return
    login_attempt_record(
        username=user.get_username(), result=LoginAttempt.Result.SUCCESS, request=request, user=user
    )


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    if getattr(request, "axes_locked_out", False):
        return  # recorded once as "locked" below
    login_attempt_record(
        username=credentials.get("username", ""),
        result=LoginAttempt.Result.FAILURE,
        request=request,
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    # django-axes also signals a lockout for the wrong password that reaches the limit: that
    # attempt is a failure. Attempts made while locked out (their password is not even
    # checked) are "locked".
    failures = getattr(request, "axes_failures_since_start", None)
    reached_now = failures is not None and failures <= get_failure_limit(request, None)
    result = LoginAttempt.Result.FAILURE if reached_now else LoginAttempt.Result.LOCKED
    login_attempt_record(username=username, result=result, request=request)
