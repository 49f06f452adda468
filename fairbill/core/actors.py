"""Who does something: every service takes an Actor and records it in its Event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    kind: str  # staff, customer, system, api (Event.ActorKind values)
    label: str
    user: Any = None  # the accounts.User acting, when there is one

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind="system", label=label)

    @classmethod
    def staff(cls, user: Any) -> Actor:
        return cls(kind="staff", label=user.get_username(), user=user)

    @classmethod
    def customer(cls, user: Any) -> Actor:
        return cls(kind="customer", label=user.get_username(), user=user)

    @classmethod
    def api(cls, user: Any, key_name: str) -> Actor:
        return cls(kind="api", label=f"{user.get_username()} (API key {key_name})", user=user)
