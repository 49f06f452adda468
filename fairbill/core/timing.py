"""Server-Timing: how long the server spent on a request and how many SQL queries it made,
as a response header that a browser's developer tools and `benchmarks/pages.py` read:
`Server-Timing: app;dur=12.3, cpu;dur=8.0, db;dur=4.1;desc="7 queries"`. On when
FAIRBILL_SERVER_TIMING is set; it shows nothing secret (durations and a count), but costs a
little per query."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse


class _QueryTimer:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timer = _QueryTimer()
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timer):
            response = self.get_response(request)
        app_ms = (time.perf_counter() - started) * 1000
        # The worker's own CPU time: what the request cost here, however busy the machine.
        cpu_ms = (time.process_time() - cpu_started) * 1000
        response["Server-Timing"] = (
            f"app;dur={app_ms:.1f}, cpu;dur={cpu_ms:.1f}, "
            f'db;dur={timer.seconds * 1000:.1f};desc="{timer.count} queries"'
        )
        return response
