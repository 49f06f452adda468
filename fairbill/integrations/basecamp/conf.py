"""Where Launchpad and the Basecamp API live: settings, so a fake server can stand in."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULT_LAUNCHPAD_URL = "https://launchpad.37signals.com"
DEFAULT_API_URL = "https://3.basecampapi.com"


def launchpad_url() -> str:
    return str(
        getattr(settings, "BASECAMP_LAUNCHPAD_URL", "")
        or os.environ.get("FAIRBILL_BASECAMP_LAUNCHPAD_URL", "")
        or DEFAULT_LAUNCHPAD_URL
    ).rstrip("/")


def api_url() -> str:
    return str(
        getattr(settings, "BASECAMP_API_URL", "")
        or os.environ.get("FAIRBILL_BASECAMP_API_URL", "")
        or DEFAULT_API_URL
    ).rstrip("/")


def max_retries() -> int:
    return int(getattr(settings, "BASECAMP_MAX_RETRIES", 4))


def default_redirect_uri() -> str:
    return f"{settings.SITE_URL}/integrations/basecamp/callback/"
