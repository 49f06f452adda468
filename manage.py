#!/usr/bin/env python
"""Django's command-line utility; the same as the `fairbill` console script."""

from fairbill.__main__ import main

if __name__ == "__main__":
    main()
