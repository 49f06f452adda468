"""An email backend that appends one line per message sent to a file, for tests and the fault
campaign that count, across processes, how many times each email went out.

    FAIRBILL_EMAIL_BACKEND=tests.fakes.mailbox.Backend FAIRBILL_TEST_MAILBOX=/tmp/mailbox.txt
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = os.environ["FAIRBILL_TEST_MAILBOX"]
        with open(path, "a", encoding="utf-8") as mailbox:  # O_APPEND: one write per line
            for message in email_messages:
                mailbox.write(f"{','.join(message.to)}\t{message.subject}\n")
                mailbox.flush()
        return len(email_messages)


def messages(path: str | Path) -> Counter[str]:
    """How many times each (recipient, subject) was sent."""
    if not Path(path).exists():
        return Counter()
    return Counter(Path(path).read_text(encoding="utf-8").splitlines())
