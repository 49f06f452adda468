from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fairbill.core.models import BusinessSettings


def business(request: HttpRequest) -> dict[str, Any]:
    return {"business": BusinessSettings.load()}
