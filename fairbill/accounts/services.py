"""Staff users, API keys and the login record."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from fairbill.accounts.addresses import client_ip
from fairbill.accounts.models import PRIVILEGES, ApiKey, LoginAttempt, User
from fairbill.core import clock
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, NotFound, Refused
from fairbill.core.services import event_record

API_KEY_PREFIX = "fb_"


def _privileges_check(privileges: Iterable[str]) -> set[str]:
    wanted = set(privileges)
    unknown = wanted - set(PRIVILEGES)
    if unknown:
        raise InvalidInput(
            f"privileges: unknown {', '.join(sorted(unknown))} "
            f"(choose from {', '.join(PRIVILEGES)}).",
            "privileges",
        )
    return wanted


def _acting_user(actor: Actor) -> User | None:
    """The staff user behind an actor, or None for the operator (commands, the system), who
    may do anything: they run the installation."""
    if actor.kind == "system":
        return None
    user = actor.user
    if not isinstance(user, User) or not user.is_staff or not user.is_active:
        raise Refused("Only active staff users manage staff and API keys.")
    return user


def _privilege_change_check(
    *, actor: Actor, target: User | None, before: set[str], wanted: set[str]
) -> None:
    """The privilege model (docs/backoffice.md): nobody changes their own privileges, nobody
    grants or removes a privilege they don't hold, and only an administrator changes an
    administrator's privileges. The operator (system actor) is not limited."""
    acting = _acting_user(actor)
    if acting is None:
        return
    if not acting.has_privilege("staff"):
        raise Refused("You need the 'staff' privilege to manage staff users.")
    if target is not None and target.pk == acting.pk:
        raise Refused(
            "privileges: you can't change your own privileges; ask another administrator.",
            "privileges",
        )
    if target is not None and target.is_administrator and not acting.is_administrator:
        raise Refused(
            "privileges: only an administrator changes an administrator's privileges.",
            "privileges",
        )
    not_held = sorted((before ^ wanted) - set(acting.privileges))
    if not_held:
        names = ", ".join(PRIVILEGES[p] for p in not_held)
        raise Refused(
            f"privileges: you can only give or take privileges you hold yourself ({names}).",
            "privileges",
        )


@transaction.atomic
def staff_create(
    *,
    actor: Actor,
    username: str,
    email: str,
    password: str,
    privileges: Iterable[str] = tuple(PRIVILEGES),
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a staff user. With every privilege it is an administrator (and may use Django
    admin as an operator). Staff can give a new user only privileges they hold."""
    username = (username or "").strip()
    if not username:
        raise InvalidInput("username: choose a username.", "username")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(f"username: '{username}' is taken.", "username")
    wanted = _privileges_check(privileges)
    _privilege_change_check(actor=actor, target=None, before=set(), wanted=wanted)
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True
    )
    for area in PRIVILEGES:
        setattr(user, f"priv_{area}", area in wanted)
    user.is_superuser = wanted == set(PRIVILEGES)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(f"password: {' '.join(exc.messages)}", "password") from None
    user.set_password(password)
    user.save()
    event_record(
        actor=actor,
        action="staff.created",
        subject=user,
        data={"username": username, "privileges": sorted(wanted)},
    )
    return user


@transaction.atomic
def staff_set_privileges(*, actor: Actor, user: User, privileges: Iterable[str]) -> User:
    """Set a staff user's privileges, within the privilege model (_privilege_change_check)."""
    wanted = _privileges_check(privileges)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_staff:
        raise Refused("Only staff users have privileges.")
    before = user.privileges
    _privilege_change_check(actor=actor, target=user, before=set(before), wanted=wanted)
    for area in PRIVILEGES:
        setattr(user, f"priv_{area}", area in wanted)
    user.is_superuser = wanted == set(PRIVILEGES)
    user.save()
    event_record(
        actor=actor,
        action="staff.privileges_changed",
        subject=user,
        data={"privileges": [before, sorted(wanted)]},
    )
    return user


@transaction.atomic
def api_key_create(*, actor: Actor, user: User, name: str = "") -> tuple[ApiKey, str]:
    """Create an API key acting as a staff user. Returns the key and its secret, which is
    shown once: only its hash is stored. Staff make keys for themselves; only an
    administrator (or the operator) makes a key that acts as someone else."""
    if not user.is_staff or not user.is_active:
        raise Refused("API keys belong to active staff users.")
    acting = _acting_user(actor)
    if acting is not None:
        if not acting.has_privilege("staff"):
            raise Refused("You need the 'staff' privilege to make API keys.")
        if acting.pk != user.pk and not acting.is_administrator:
            raise Refused(
                "user: only an administrator makes a key that acts as another staff user.",
                "user",
            )
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        user=user,
        name=(name or "").strip()[:100] or f"key {clock.now():%Y-%m-%d %H:%M}",
        prefix=raw[:10],
        key_hash=ApiKey.hash(raw),
        created_at=clock.now(),
    )
    event_record(
        actor=actor,
        action="api_key.created",
        subject=key,
        data={"name": key.name, "user": user.username, "prefix": key.prefix},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, actor: Actor, key: ApiKey) -> ApiKey:
    """Revoke a key: its owner, staff with the 'staff' privilege, or the operator."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    acting = _acting_user(actor)
    if acting is not None and acting.pk != key.user_id and not acting.has_privilege("staff"):
        raise Refused("You need the 'staff' privilege to revoke another user's API key.")
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
        event_record(
            actor=actor,
            action="api_key.revoked",
            subject=key,
            data={"name": key.name, "prefix": key.prefix},
        )
    return key


def api_key_authenticate(raw_key: str) -> ApiKey:
    """The active key for a secret, with its user; raises NotFound otherwise."""
    if not raw_key or not raw_key.startswith(API_KEY_PREFIX):
        raise NotFound("Unknown API key.")
    key = (
        ApiKey.objects.select_related("user")
        .filter(key_hash=ApiKey.hash(raw_key), revoked_at__isnull=True)
        .first()
    )
    if key is None or not key.user.is_active or not key.user.is_staff:
        raise NotFound("Unknown API key.")
    now = clock.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def login_attempt_record(
    *, username: str, result: str, request: Any = None, user: User | None = None, area: str = ""
) -> LoginAttempt:
    """Record one login attempt for the login report (never the password)."""
    ip = None
    agent = ""
    if request is not None:
        ip = getattr(request, "axes_ip_address", None) or client_ip(request)
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        area = area or ("account" if request.path.startswith("/account") else "backoffice")
    return LoginAttempt.objects.create(
        at=clock.now(),
        username=(username or "")[:150],
        ip_address=ip or None,
        user_agent=agent,
        result=result,
        area=area or "backoffice",
        user=user,
    )
