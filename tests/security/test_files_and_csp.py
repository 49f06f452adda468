"""Also found: the files `make run` creates (the SQLite database, which holds the session
keys, and the generated secret key) are private from the start; every page sends a
Content-Security-Policy that allows only the app's own scripts and styles."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

CREATE = """
import os
import re
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


TEMPLATES = Path(__file__).resolve().parents[2] / "fairbill" / "templates"
# Rendered to PDF by WeasyPrint, never served to a browser.
# Rendered to PDF by WeasyPrint, never served to a browser (no CSP applies there).
NOT_SERVED = {
    "invoicing/invoice_pdf.html",
    "invoicing/credit_note_pdf.html",
    "invoicing/estimate_pdf.html",
    "invoicing/_pdf_style.html",
}
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)|<style\b|\sstyle=|\son[a-z]+=|javascript:",
    re.IGNORECASE,
)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/account/login/", "/order/none/"])
def test_pages_send_a_content_security_policy_of_the_apps_own_files(client, url):
    response = client.get(url)
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_no_template_has_an_inline_script_style_or_event_handler():
    # The policy forbids them, so the browser would ignore them: behaviour lives in
    # static/fairbill/fairbill.js (data-confirm, data-autosubmit), looks in the CSS files.
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if str(path.relative_to(TEMPLATES)) not in NOT_SERVED
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []
