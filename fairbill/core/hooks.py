"""Named hooks: how a lower app lets a higher one act on what just happened without importing
it (dependencies point down, DESIGN §2).

The lower app names the hook (a constant in its own module) and calls `hook_call` inside its
service's transaction; a higher app registers a handler for it in its AppConfig.ready().
Handlers run at once, in the caller's transaction, in the order the apps are installed; an
exception in one rolls the whole action back, as a direct call would. Keep it for side effects
that belong to the higher app (emails, reinstating subscriptions), never for the action itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[..., None]

_handlers: dict[str, list[Handler]] = defaultdict(list)


def hook_register(name: str, handler: Handler) -> None:
    """Run `handler(**kwargs)` whenever the hook `name` is called (once per handler)."""
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def hook_call(name: str, **kwargs: Any) -> None:
    for handler in _handlers.get(name, ()):
        handler(**kwargs)
