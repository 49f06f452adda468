"""Reading CSV files (tablib) and guessing which column is which: pure, no ORM."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import tablib

from fairbill.core.errors import InvalidInput
from fairbill.core.validation import text_problem

MAX_BYTES = 20 * 1024 * 1024

CUSTOMER_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "customer", "customer name", "full name", "client", "contact"),
    "email": ("email", "e-mail", "email address", "mail"),
    "company": ("company", "organisation", "organization", "business"),
    "phone": ("phone", "telephone", "tel", "mobile"),
    "address_line1": ("address", "address line 1", "address1", "street"),
    "address_line2": ("address line 2", "address2"),
    "city": ("city", "town"),
    "region": ("region", "county", "state", "province"),
    "postcode": ("postcode", "postal code", "zip", "zip code"),
    "country": ("country", "country code"),
    "currency": ("currency",),
    "vat_applies": ("vat applies", "vat", "taxable"),
    "vat_number": ("vat number", "vat id", "tax id"),
}
REQUIRED_CUSTOMER_FIELDS = ("name", "email")
CUSTOMER_FIELD_LABELS = {
    "name": "Name",
    "email": "Email",
    "company": "Company",
    "phone": "Phone",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "city": "Town / city",
    "region": "County / state",
    "postcode": "Postcode",
    "country": "Country",
    "currency": "Currency",
    "vat_applies": "VAT applies",
    "vat_number": "VAT number",
}

TIME_FIELDS: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "spent on"),
    "hours": ("hours", "time", "duration", "hours spent"),
    "description": ("description", "notes", "task", "note"),
    "project": ("project", "job"),
    "customer": ("customer", "client", "customer email", "customer id"),
    "person": ("person", "who", "user", "staff"),
    "id": ("id", "entry id", "uid"),
}
REQUIRED_TIME_FIELDS = ("date", "hours")


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[list[str]]  # rows[0] is line 2 of the file (line 1 is the header)

    def line(self, index: int) -> int:
        return index + 2


def read_csv(data: bytes | str) -> Sheet:
    """A CSV file with a header line; UTF-8 (with or without BOM) or Latin-1."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise InvalidInput(f"file: at most {MAX_BYTES // (1024 * 1024)} MB.", "file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        text = data.lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput("file: the file is empty.", "file")
    problem = text_problem(text)
    if problem:
        raise InvalidInput(f"file: the text {problem}.", "file")
    try:
        dataset = tablib.Dataset().load(text, format="csv")
    except Exception as exc:  # tablib raises several kinds for malformed files
        raise InvalidInput(f"file: this isn't a CSV file we can read ({exc}).", "file") from None
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    if not any(headers):
        raise InvalidInput("file: the first line must name the columns.", "file")
    rows = [[str(v if v is not None else "").strip() for v in row] for row in dataset]
    rows = [row for row in rows if any(row)]
    return Sheet(headers, rows)


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def guess_mapping(headers: Sequence[str], fields: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """{field: column index} for the columns whose name says what they are."""
    mapping: dict[str, int] = {}
    normalised = [_norm(h) for h in headers]
    for field, names in fields.items():
        wanted = {_norm(field), *(_norm(name) for name in names)}
        for index, header in enumerate(normalised):
            if index not in mapping.values() and header in wanted:
                mapping[field] = index
                break
    return mapping


def check_mapping(mapping: dict[str, int], required: Sequence[str], columns: int) -> None:
    missing = [f for f in required if f not in mapping]
    if missing:
        raise InvalidInput(f"columns: choose the column for {', '.join(missing)}.", "mapping")
    used = Counter(mapping.values())
    if any(count > 1 for count in used.values()):
        raise InvalidInput("columns: a column can be used for one field only.", "mapping")
    if any(not 0 <= index < columns for index in mapping.values()):
        raise InvalidInput("columns: that column isn't in the file.", "mapping")


def cell(row: Sequence[str], mapping: dict[str, int], field: str) -> str:
    index = mapping.get(field)
    return row[index] if index is not None and index < len(row) else ""


def parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    raise InvalidInput(f"date: '{text}' is not a date (YYYY-MM-DD or DD/MM/YYYY).")


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "yes", "y", "true", "t"):
        return True
    if value in ("0", "no", "n", "false", "f"):
        return False
    raise InvalidInput(f"VAT applies: '{text}' is not yes or no.")


def row_fingerprint(parts: Sequence[str], occurrence: int) -> str:
    """A stable id for a CSV row without an id column: the same row in the same file (and
    its n-th identical copy) always gets the same id, so re-importing bills nothing twice."""
    digest = hashlib.sha256("\x1f".join([*parts, str(occurrence)]).encode())
    return "sha256:" + digest.hexdigest()[:40]
