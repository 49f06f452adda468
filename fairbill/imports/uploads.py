"""Uploaded CSV files kept between the preview and the import (in var/imports, per session)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from fairbill.core.errors import NotFound

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SESSION_KEY = "csv_uploads"


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_keep(request: HttpRequest, data: bytes) -> str:
    token = secrets.token_urlsafe(18)
    (_folder() / f"{token}.csv").write_bytes(data)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], token]
    return token


def upload_read(request: HttpRequest, token: str) -> bytes:
    if not _TOKEN.match(token) or token not in request.session.get(SESSION_KEY, []):
        raise NotFound("That upload is gone; upload the file again.")
    path = _folder() / f"{token}.csv"
    if not path.exists():
        raise NotFound("That upload is gone; upload the file again.")
    return path.read_bytes()


def upload_forget(request: HttpRequest, token: str) -> None:
    if _TOKEN.match(token):
        (_folder() / f"{token}.csv").unlink(missing_ok=True)
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
