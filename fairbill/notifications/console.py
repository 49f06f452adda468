"""The email backend used when no SMTP server is configured (`make run`, a trial install).

Django's console backend prints the whole MIME message, so one invoice email with its PDF
fills the terminal with thousands of lines of base64. This one prints what a person checks:
the addresses, the subject, the text body, and one line per attachment (name, type, size).
"""

from __future__ import annotations

from email.mime.base import MIMEBase
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend
from django.template.defaultfilters import filesizeformat

RULE = "-" * 79


class EmailBackend(DjangoConsoleBackend):
    """Console email backend that summarises attachments instead of printing their bytes."""

    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(email_summary(message) + "\n" + RULE + "\n")


def email_summary(message: EmailMessage) -> str:
    lines = [f"From: {message.from_email}", f"To: {', '.join(message.to)}"]
    if message.cc:
        lines.append(f"Cc: {', '.join(message.cc)}")
    if message.bcc:
        lines.append(f"Bcc: {', '.join(message.bcc)}")
    if message.reply_to:
        lines.append(f"Reply-To: {', '.join(message.reply_to)}")
    lines += [f"Subject: {message.subject}", "", str(message.body).rstrip()]
    for _content, mimetype in getattr(message, "alternatives", []):
        lines.append(f"[alternative version: {mimetype}]")
    for attachment in message.attachments:
        name, mimetype, size = _attachment_facts(attachment)
        lines.append(f"[attachment: {name} ({mimetype}, {filesizeformat(size)})]")
    return "\n".join(lines)


def _attachment_facts(attachment: Any) -> tuple[str, str, int]:
    if isinstance(attachment, MIMEBase):
        payload = attachment.get_payload(decode=True) or b""
        name = attachment.get_filename() or "(no name)"
        return name, attachment.get_content_type(), len(payload)
    filename, content, mimetype = attachment
    size = len(content.encode() if isinstance(content, str) else content)
    return filename or "(no name)", mimetype or "application/octet-stream", size
