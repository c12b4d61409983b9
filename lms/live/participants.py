"""Meeting participant reports (CSV) to minutes attended per person: data in, data out.

Accepted layouts (found by their header row, wherever it sits in the file):

- **zoom**: ``Name (Original Name), User Email, Join Time, Leave Time,
  Duration (Minutes), ...`` — one row per join, often several per person.
- **teams**: ``Full Name`` (or ``Name``), ``Join Time``, ``Leave Time``,
  ``Duration`` (``1h 5m 3s``), ``Email``, ``Role`` — often UTF-16, tab-separated,
  after a meeting summary section.
- **plain**: ``email,minutes``.

Rows with join and leave times are merged per person as intervals, so overlapping
rows (two devices, a reconnect) are not counted twice; rows with only a duration
are summed. Emails are compared lower-case. No Flask, no database.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

#: Reports beyond this are refused before parsing (a 1,000-person webinar's report is
#: well under 1 MB).
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000

EMAIL_HEADERS = ("user email", "email", "email address", "participant email")
NAME_HEADERS = ("name (original name)", "full name", "name", "participant name")
JOIN_HEADERS = ("join time", "first join", "joined")
LEAVE_HEADERS = ("leave time", "last leave", "left")
MINUTE_HEADERS = ("duration (minutes)", "minutes", "duration", "in-meeting duration",
                  "attendance duration")
TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y, %H:%M:%S", "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S%z",
)
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes|"
                           r"s|sec|secs|second|seconds)\b", re.IGNORECASE)


class ReportError(ValueError):
    """The file is not a participant report we can read; the message says why."""


@dataclass(frozen=True)
class Attendee:
    """One person in the report: ``key`` is the lower-case email, or the name when the
    report has no email for them (guests)."""

    key: str
    name: str
    minutes: int
    has_email: bool


@dataclass(frozen=True)
class Report:
    layout: str
    attendees: list[Attendee]


@dataclass(frozen=True)
class _Columns:
    email: int
    name: int | None
    join: int | None
    leave: int | None
    minutes: int | None
    #: Each row is one join (not a first-join/last-leave summary of the person).
    row_per_join: bool = False

    @property
    def has_times(self) -> bool:
        return self.join is not None and self.leave is not None

    @property
    def preference(self) -> int:
        """Which table to read when a file has several: one row per join beats a summary
        (Teams' in-meeting activities over its participants list), times beat minutes."""
        return 2 if self.has_times and self.row_per_join else int(self.has_times)


def parse_report(data: bytes) -> Report:
    """Minutes per attendee from a report's bytes. Raises ReportError."""
    if len(data) > MAX_BYTES:
        raise ReportError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    rows = _rows(_decode(data))
    table, columns, layout = _participant_table(rows)
    attendees = _attendees(table, columns)
    if not attendees:
        raise ReportError("The report lists no participants.")
    return Report(layout, attendees)


def _decode(data: bytes) -> str:
    """Text of the file: UTF-16 (with or without a BOM, as Teams writes it) or UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data[:200].count(b"\x00") > len(data[:200]) // 4:
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ReportError("The file is not UTF-8 or UTF-16 text: export the report as "
                          "CSV and upload it unchanged.") from None


def _rows(text: str) -> list[list[str]]:
    """Every row, split by tabs when the file uses them (Teams), else by commas."""
    if "\x00" in text:
        raise ReportError("The file is not a text (CSV) report.")
    lines = text.splitlines()
    delimiter = "\t" if any(line.count("\t") > line.count(",") for line in lines[:50]) else ","
    rows = [[cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    if len(rows) > MAX_ROWS:
        raise ReportError(f"The file has more than {MAX_ROWS:,} rows.")
    return rows


def _participant_table(rows: list[list[str]]) -> tuple[list[list[str]], _Columns, str]:
    """The table to read: the first of those the file prefers (``_Columns.preference``)."""
    tables = list(_tables(rows))
    if not tables:
        raise ReportError("No participant table found: the report needs an email column "
                          "and join and leave times or minutes (Zoom, Teams, or "
                          "email,minutes).")
    return max(tables, key=lambda table: table[1].preference)


def _tables(rows: list[list[str]]):
    """Each (body rows, columns, layout) under a header row, up to a blank row."""
    index = 0
    while index < len(rows):
        found = _header(rows[index])
        index += 1
        if found is None:
            continue
        columns, layout = found
        body = []
        while index < len(rows) and any(rows[index]) and _header(rows[index]) is None:
            body.append(rows[index])
            index += 1
        yield body, columns, layout


def _header(row: list[str]) -> tuple[_Columns, str] | None:
    names = [cell.strip().strip('"').lower() for cell in row]
    email = _find(names, EMAIL_HEADERS)
    join, leave = _find(names, JOIN_HEADERS), _find(names, LEAVE_HEADERS)
    minutes = _find(names, MINUTE_HEADERS)
    if email is None or (minutes is None and (join is None or leave is None)):
        return None
    columns = _Columns(email, _find(names, NAME_HEADERS), join, leave, minutes,
                       row_per_join=join is not None and names[join] != "first join")
    return columns, _layout(names)


def _find(names: list[str], wanted: tuple[str, ...]) -> int | None:
    for option in wanted:
        if option in names:
            return names.index(option)
    return None


def _layout(names: list[str]) -> str:
    if "user email" in names or "name (original name)" in names:
        return "zoom"
    if len([name for name in names if name]) <= 2:
        return "plain"
    return "teams"


def _attendees(table: list[list[str]], columns: _Columns) -> list[Attendee]:
    intervals: dict[str, list[tuple[datetime, datetime]]] = {}
    summed: dict[str, float] = {}
    names: dict[str, str] = {}
    for number, row in enumerate(table, start=1):
        key, name = _who(row, columns)
        if not key:
            continue
        names.setdefault(key, name)
        if columns.has_times and _cell(row, columns.join) and _cell(row, columns.leave):
            intervals.setdefault(key, []).append(_interval(row, columns, number))
        else:
            summed[key] = summed.get(key, 0.0) + _minutes(_cell(row, columns.minutes), number)
    totals = {key: merged_seconds(spans) / 60 for key, spans in intervals.items()}
    for key, minutes in summed.items():
        totals[key] = totals.get(key, 0.0) + minutes
    return [Attendee(key, names[key], int(minutes + 1e-9), "@" in key)
            for key, minutes in totals.items()]


def _who(row: list[str], columns: _Columns) -> tuple[str, str]:
    email = _cell(row, columns.email).lower()
    name = _cell(row, columns.name) if columns.name is not None else ""
    name = re.sub(r"\s*\(.*\)$", "", name).strip()  # Zoom: "Name (Original Name)"
    return (email if "@" in email else name), (name or email)


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _interval(row: list[str], columns: _Columns, number: int) -> tuple[datetime, datetime]:
    start = parse_time(_cell(row, columns.join), number)
    end = parse_time(_cell(row, columns.leave), number)
    if end < start:
        raise ReportError(f"Row {number}: the leave time is before the join time.")
    return start, end


def parse_time(value: str, number: int = 0) -> datetime:
    """A report's timestamp (Zoom and Teams write US dates); zones are dropped, since only
    differences within one report matter."""
    cleaned = re.sub(r"\s+", " ", value.replace("\u202f", " ")).strip()
    cleaned = re.sub(r" (GMT|UTC)[+-]?[\d:]*$", "", cleaned)
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=None)
        except ValueError:
            continue
    raise ReportError(f"Row {number}: cannot read the time {value!r}.")


def _minutes(value: str, number: int) -> float:
    """Minutes from ``45``, ``45.5`` or a Teams duration such as ``1h 5m 3s``."""
    if not value:
        return 0.0
    try:
        minutes = float(value)
    except ValueError:
        minutes = _duration(value, number)
    if minutes < 0:
        raise ReportError(f"Row {number}: minutes cannot be negative.")
    return minutes


def _duration(value: str, number: int) -> float:
    if re.fullmatch(r"\d+:\d{2}:\d{2}", value):
        hours, minutes, seconds = (int(part) for part in value.split(":"))
        return hours * 60 + minutes + seconds / 60
    parts = DURATION_PART.findall(value)
    if not parts or DURATION_PART.sub("", value).strip():
        raise ReportError(f"Row {number}: cannot read the duration {value!r}.")
    factor = {"h": 60.0, "m": 1.0, "s": 1 / 60}
    return sum(float(amount) * factor[unit[0].lower()] for amount, unit in parts)


def merged_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    """Seconds covered by the union of the intervals (overlaps counted once)."""
    total = 0.0
    current_start = current_end = None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total
