"""Without SMTP, emails are printed as a readable summary: attachments by name, type and size."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys

from django.core.mail import EmailMultiAlternatives

from fairbill.notifications.console import EmailBackend

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 200  # 51,209 bytes


def test_an_invoice_email_is_printed_with_its_attachment_summarised_not_its_bytes():
    # given an invoice email with an HTML version and a PDF attached
    message = EmailMultiAlternatives(
        subject="Invoice INV-00042 from Acme Hosting Ltd",
        body="Dear Ada,\n\nYour invoice INV-00042 is attached.",
        from_email="billing@acme.example",
        to=["ada@example.com"],
        cc=["accounts@example.com"],
    )
    message.attach_alternative("<p>Dear Ada,</p>", "text/html")
    message.attach("INV-00042.pdf", PDF, "application/pdf")
    stream = io.StringIO()
    # when the console backend sends it
    sent = EmailBackend(stream=stream).send_messages([message])
    # then the terminal shows the addresses, subject, text and one line for the PDF
    printed = stream.getvalue()
    assert sent == 1
    assert "To: ada@example.com" in printed
    assert "Cc: accounts@example.com" in printed
    assert "Subject: Invoice INV-00042 from Acme Hosting Ltd" in printed
    assert "Your invoice INV-00042 is attached." in printed
    assert "[attachment: INV-00042.pdf (application/pdf, 50.0\xa0KB)]" in printed
    assert "[alternative version: text/html]" in printed
    # and not the file's bytes
    assert base64.b64encode(PDF)[:40].decode() not in printed
    assert len(printed.splitlines()) < 20


def test_the_summarising_backend_is_the_default_without_smtp():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRBILL_EMAIL")}
    env["DJANGO_SETTINGS_MODULE"] = "fairbill.settings"
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "fairbill.notifications.console.EmailBackend"
