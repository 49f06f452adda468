"""Secrets at rest: Fernet with a key derived from SECRET_KEY by HKDF.

Changing SECRET_KEY makes stored tokens unreadable: Fairbill then asks to reconnect.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_SALT = b"fairbill.integrations.basecamp"
_INFO = b"oauth tokens v1"


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.SECRET_KEY).encrypt(value.encode()).decode()


def decrypt(value: str) -> str | None:
    """The plain text, or None when it can't be read (e.g. SECRET_KEY changed)."""
    if not value:
        return ""
    try:
        return _fernet(settings.SECRET_KEY).decrypt(value.encode()).decode()
    except InvalidToken:
        return None
