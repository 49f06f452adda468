"""Middleware of the core app."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fairbill.core.models import settings_read_once


def settings_once_per_request(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """The business settings are read from the database once per request (a page asked for
    them up to seven times)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with settings_read_once():
            return get_response(request)

    return middleware
