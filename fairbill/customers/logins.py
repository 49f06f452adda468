"""My Account logins that staff give customers: an invitation to choose a password (the
default), resending it, disabling and enabling the login. Creating the login itself is
customer_login_create in services.py.

The invitation link is a token from Django's password-reset machinery with its own salt and
lifetime (settings.INVITATION_DAYS): it works once (setting the password changes the hash it
is made from) and stops working when it expires or the login is disabled.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import Refused
from fairbill.core.hooks import hook_call
from fairbill.core.services import event_record
from fairbill.customers.models import Customer

# Hook (fairbill.core.hooks): a login invitation is to be emailed. user_id=
LOGIN_INVITED = "customer.login_invited"


class InvitationTokens(PasswordResetTokenGenerator):
    key_salt = "fairbill.customers.logins.InvitationTokens"

    def __init__(self) -> None:
        super().__init__()
        self.timeout = settings.INVITATION_DAYS * 24 * 3600  # type: ignore[assignment]

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        # An invitation for a login that was disabled in between must not work.
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


invitation_tokens = InvitationTokens()


def invitation_url(user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("portal:invitation", args=[uid, invitation_tokens.make_token(user)])
    return f"{settings.SITE_URL}{path}"


def invitation_queue(user_id: int) -> None:
    """Have the invitation emailed (notifications acts on the hook, after commit)."""
    hook_call(LOGIN_INVITED, user_id=user_id)


def _login_of(customer: Customer) -> tuple[Customer, Any]:
    customer = (
        Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer.pk)
    )
    if customer.user is None:
        raise Refused("This customer has no My Account login.")
    if customer.merged_into_id:
        raise Refused("This customer was merged into another one; its login stays off.")
    return customer, customer.user


@transaction.atomic
def customer_login_invite(*, actor: Actor, customer: Customer) -> None:
    """Send (again) the invitation to choose a password. A disabled login gets none.

    An invitation sets a new password, so for a login the customer already uses (it has a
    password) it gives whoever sends it to an address of their choosing the customer's My
    Account: only staff who may log in as the customer send one then. The customer can
    always reset their own password from the login page."""
    customer, user = _login_of(customer)
    if not user.is_active:
        raise Refused("The login is disabled: enable it before sending an invitation.")
    if user.has_usable_password() and not _may_log_in_as(actor):
        raise Refused(
            "The customer already has a password: only staff who may log in as a customer "
            "send a new invitation. The customer can reset the password from the login page."
        )
    invitation_queue(user.pk)
    event_record(
        actor=actor,
        action="customer.login_invited",
        subject=customer,
        customer_id=customer.pk,
        message=f"My Account invitation sent to {customer.email}",
        data={"username": user.username, "email": customer.email},
    )


def _may_log_in_as(actor: Actor) -> bool:
    """The system may; staff and API keys need the "login_as" privilege."""
    if actor.user is None or actor.kind == "system":
        return True
    return bool(actor.user.has_privilege("login_as"))


@transaction.atomic
def customer_login_set_active(*, actor: Actor, customer: Customer, active: bool) -> None:
    """Disable a login (the customer can't log in, reset the password or use an invitation)
    or enable it again."""
    customer, user = _login_of(customer)
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    customer.updated_at = clock.now()
    customer.save(update_fields=["updated_at"])
    event_record(
        actor=actor,
        action="customer.login_enabled" if active else "customer.login_disabled",
        subject=customer,
        customer_id=customer.pk,
        data={"username": user.username},
    )
