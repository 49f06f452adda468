"""Files answered as downloads: PDFs, e-invoices, exports."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpResponse

from fairbill.core.errors import InvalidInput, Refused

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

PDF = "application/pdf"
XML = "application/xml"


def attachment(content: bytes | str, content_type: str, name: str) -> HttpResponse:
    """A file to download, named `name` with anything but letters, digits, dots, dashes and
    underscores replaced (document numbers may hold any character: prefixes are free text)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_UNSAFE.sub("-", name)}"'
    return response


def einvoice_download(
    render: Callable[[Any, str], tuple[str, str | bytes]], document: Any, syntax: str
) -> HttpResponse:
    """An invoice's or a credit note's e-invoice in a syntax (`render` makes its file name and
    XML), as a download; 404 for a syntax there is none of, or a document that has none."""
    try:
        name, xml = render(document, syntax)
    except (InvalidInput, Refused) as exc:
        raise Http404(exc.message) from None
    return attachment(xml, XML, name)
