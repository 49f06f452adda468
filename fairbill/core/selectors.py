"""Reads of core's own records."""

from __future__ import annotations

from fairbill.core.models import Event

DEMO_MARKER = "demo.loaded"  # the Event the demo records once loaded


def demo_is_loaded() -> bool:
    return Event.objects.filter(action=DEMO_MARKER).exists()
