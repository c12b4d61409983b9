"""Calendar dates as the API, its query strings and the forms write them: YYYY-MM-DD."""

from __future__ import annotations

import re
from datetime import date

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> date:
    """``2025-01-31`` as a date. Raises ValueError for anything else.

    ``date.fromisoformat`` alone also reads ``20250131`` and week dates, which the
    OpenAPI document (``format: date``) and the error messages do not promise.
    """
    if not ISO_DATE.fullmatch(text):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)
