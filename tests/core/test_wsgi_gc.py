"""The web worker's garbage collector settings (fairbill/wsgi.py): what the app loads at
start is set aside, and young collections run every GC_YOUNG_THRESHOLD new objects."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json, os
os.environ["FAIRBILL_DATABASE_URL"] = "sqlite:///:memory:"
before = gc.get_freeze_count()
import fairbill.wsgi as wsgi
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(),
                  "threshold": gc.get_threshold(), "young": wsgi.GC_YOUNG_THRESHOLD,
                  "app": callable(wsgi.application)}))
"""


def test_the_web_worker_sets_aside_what_it_loaded_and_collects_young_objects_less_often():
    # when the WSGI module is imported, as gunicorn does in each worker
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # then the views and schemas loaded are frozen (tens of thousands of objects), and young
    # collections wait for GC_YOUNG_THRESHOLD new objects
    assert found["app"] is True
    assert found["before"] == 0
    assert found["frozen"] > 50_000
    assert found["threshold"][0] == found["young"] == 20_000
