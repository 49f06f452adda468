"""How far a billing run started from the Billing page is: the run reports each batch of
customers done (billing_run's `progress`), the page polls it. Kept in the "progress" cache
(files under var/, shared by every server process on the machine): a dry run writes nothing
to the database until it ends (its work is rolled back), so the database can't carry it.
A poll that finds nothing just shows "working"."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches

KEY = "fairbill:billing-run-progress:{}"
KEEP_SECONDS = 3600


def progress_set(token: str, done: int, total: int, *, finished: bool = False) -> None:
    caches["progress"].set(
        KEY.format(token), {"done": done, "total": total, "finished": finished}, KEEP_SECONDS
    )


def progress_get(token: str) -> dict[str, Any] | None:
    state = caches["progress"].get(KEY.format(token))
    return state if isinstance(state, dict) else None
