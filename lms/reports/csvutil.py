"""CSV that is safe to open in a spreadsheet, written lazily so large exports stream.

A cell a spreadsheet would read as a formula (``=HYPERLINK(...)``, ``+1``,
``-1+2``, ``@SUM(...)``, or one hiding behind a leading tab or carriage return)
is prefixed with ``'``, which spreadsheets show as plain text (OWASP CSV
injection). Numbers are written as numbers: they are data we produced, not text
a member typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Lets Excel detect UTF-8, so names in any script open correctly.
BOM = "\ufeff"


def safe_cell(value: Any) -> str | int | float | Decimal:
    """One cell: numbers as they are, dates in ISO 8601, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]], *,
              bom: bool = True) -> Iterator[str]:
    """The header line, then one CSV line per row (CRLF line ends, RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable[Any]) -> str:
        writer.writerow([safe_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield (BOM if bom else "") + line(header)
    for row in rows:
        yield line(row)
