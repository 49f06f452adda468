"""Also found: the files `make run` creates (the SQLite database, which holds the session
keys, and the generated secret key) are private from the start; every page sends a
Content-Security-Policy that allows only the app's own scripts and styles."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

CREATE = """
import os
os.umask(0o022)
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_var_folder_gets_private_database_and_secret_key(tmp_path):
    # given a fresh machine: no var folder, no secret key, a permissive umask
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRBILL_")}
    env.update({"FAIRBILL_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "fairbill.settings"})
    # when Fairbill starts and writes to its database
    result = subprocess.run(
        [sys.executable, "-c", CREATE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # then the secret key, the database and its WAL files are readable by their owner only
    assert mode(var / "secret_key") == 0o600
    assert mode(var / "fairbill.sqlite3") == 0o600
    for extra in ["fairbill.sqlite3-wal", "fairbill.sqlite3-shm"]:
        if (var / extra).exists():
            assert mode(var / extra) == 0o600, extra
    assert mode(var) == 0o700
