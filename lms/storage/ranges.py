"""HTTP ``Range`` requests (RFC 9110 §14), pure: a header and a size in, ranges out.

werkzeug's ``Response.make_conditional`` already streams a single range from a
file, answers ``If-Range``/``ETag``/``If-None-Match`` correctly and writes
``Content-Range``; but it answers 416 to headers RFC 9110 says to ignore
(malformed, other units), to satisfiable multi-range requests and to a suffix
longer than the file. ``range_for_werkzeug`` rewrites the header first so the
combination behaves as the RFC says.
"""

from __future__ import annotations

import re
from typing import Final, Literal

UNSATISFIABLE: Final = "unsatisfiable"
#: RFC 9110 §14.2 lets a server ignore requests for "many small ranges".
MAX_RANGES = 16

_SPEC = re.compile(r"(\d*)-(\d*)")

ByteRanges = list[tuple[int, int]]


def parse_range(header: str | None, size: int) -> ByteRanges | Literal["unsatisfiable"] | None:
    """Inclusive ``(start, end)`` ranges of a ``size``-byte representation.

    None means "ignore the header and send everything with 200" (absent,
    malformed, another unit, too many ranges, or an empty representation);
    ``UNSATISFIABLE`` means 416 with ``Content-Range: bytes */size``.
    """
    specs = _specs(header)
    if specs is None or size == 0:
        return None
    ranges = [r for r in (_resolve(first, last, size) for first, last in specs) if r]
    return ranges or UNSATISFIABLE


def range_for_werkzeug(header: str | None, size: int) -> str | None:
    """The ``Range`` header to hand werkzeug instead: None means drop it.

    A satisfiable single range is normalised; multiple ranges are ignored
    (RFC 9110 §14.2 allows it: the client gets the whole file with 200);
    an unsatisfiable header becomes one werkzeug also refuses, by raising
    ``RequestedRangeNotSatisfiable`` whose response carries
    ``Content-Range: bytes */size`` (the error mapping must keep that header).
    """
    ranges = parse_range(header, size)
    if ranges == UNSATISFIABLE:
        return f"bytes={size}-"
    if ranges is None or len(ranges) != 1:
        return None
    start, end = ranges[0]
    return f"bytes={start}-{end}"


def _specs(header: str | None) -> list[tuple[str, str]] | None:
    """Syntactically valid range-specs as (first, last) digit strings, else None."""
    if not header:
        return None
    unit, sep, rest = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    items = [item.strip(" \t") for item in rest.split(",")]
    specs = [_SPEC.fullmatch(item) for item in items if item]
    if not specs or len(specs) > MAX_RANGES or not all(specs):
        return None
    pairs = [(m.group(1), m.group(2)) for m in specs if m]
    if any(not _valid(first, last) for first, last in pairs):
        return None
    return pairs


def _valid(first: str, last: str) -> bool:
    if not first:
        return bool(last)
    return not last or int(last) >= int(first)


def _resolve(first: str, last: str, size: int) -> tuple[int, int] | None:
    """A satisfiable spec clipped to the representation, or None if unsatisfiable."""
    if not first:
        suffix = int(last)
        return (max(size - suffix, 0), size - 1) if suffix else None
    start = int(first)
    if start >= size:
        return None
    end = min(int(last), size - 1) if last else size - 1
    return start, end
