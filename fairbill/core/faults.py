"""Fault-injection points, for the tests and the fault campaign (benchmarks/faults.py).

Code that must survive a crash at a precise moment calls `fault_point("name")` there. In
production nothing is set and the call is a dictionary lookup. Two ways to trigger one:

- `FAIRBILL_FAULT=name` (or `name:n`, the n-th time the point is passed) in the environment
  makes the process exit at once with status 137, as a SIGKILL would: no `finally`, no
  on-commit hook, no clean-up runs. This is how a test kills a subprocess at an exact point
  instead of racing a timer.
- `fault_hook("name", callback)` (tests in the same process) calls the callback there, e.g.
  to terminate this process's database connection just before a commit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_hooks: dict[str, Callable[[], None]] = {}
_passes: dict[str, int] = {}

KILLED_STATUS = 137


def fault_point(name: str) -> None:
    hook = _hooks.get(name)
    if hook is not None:
        hook()
    wanted = os.environ.get("FAIRBILL_FAULT")
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= int(nth or 1):
        os._exit(KILLED_STATUS)


@contextmanager
def fault_hook(name: str, callback: Callable[[], None]) -> Iterator[None]:
    """Call `callback` each time the point is passed, while the block runs."""
    _hooks[name] = callback
    try:
        yield
    finally:
        _hooks.pop(name, None)
