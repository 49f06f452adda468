"""The `fairbill` console script: Django's manage.py with Fairbill's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairbill.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fairbill", *sys.argv[1:]])


if __name__ == "__main__":
    main()
