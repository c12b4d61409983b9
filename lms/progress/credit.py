"""What a video progress report is, and how one changes a member's progress row.

Rules (see ``../shared/API.md``):

- Credit: a video's coverage is the union of accepted played intervals, clamped to
  its duration. New coverage is paid from an allowance of twice the wall-clock time
  since the member first opened the item, less what was already credited. For one
  report after another that is exactly "at most 2× the time since the previous
  report (or the first GET)"; unused allowance carries over, so reports that arrive
  together or out of order lose nothing — and a forger gains nothing, since they
  could always have waited and sent one report.
- Resume position: moves forward with any report, and back only when the report
  says ``seek: true`` (the member rewound on purpose). A late report of 0:00 after
  5:00 therefore leaves 5:00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from lms.errors import ValidationError
from lms.progress import intervals as iv

MAX_INTERVALS = 500
MAX_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class VideoReport:
    position: float
    played: list[tuple[float, float]]
    seek: bool = False


def video_report_from(data: dict) -> VideoReport:
    """Validate a report body ``{position, played: [[s, e], …], seek?}``.

    Raises ValidationError naming each bad field (nothing is changed by a bad report).
    """
    errors: dict[str, list[str]] = {}
    position = _seconds(data.get("position", 0), "position", errors)
    played = _played(data.get("played"), errors)
    if not isinstance(data.get("seek", False), bool):
        errors["seek"] = ["Must be true or false."]
    if errors:
        raise ValidationError("The progress report is not valid.", errors=errors)
    return VideoReport(position=position, played=played, seek=data.get("seek", False))


def _played(raw: object, errors: dict[str, list[str]]) -> list[tuple[float, float]]:
    """The ``played`` intervals of a report; problems go into ``errors["played"]``."""
    if raw is None:
        errors["played"] = ["Required: the [start, end] seconds played since the last report."]
        return []
    if not isinstance(raw, list) or len(raw) > MAX_INTERVALS:
        errors.setdefault("played", []).append(
            f"Must be a list of at most {MAX_INTERVALS} [start, end] pairs.")
        return []
    played: list[tuple[float, float]] = []
    for pair in raw:
        if not isinstance(pair, list) or len(pair) != 2:
            errors.setdefault("played", []).append("Each entry must be [start, end].")
            break
        start, end = (_seconds(value, "played", errors) for value in pair)
        if start > end:
            errors.setdefault("played", []).append("An interval ends before it starts.")
            break
        played.append((start, end))
    return played


def _seconds(value: object, name: str, errors: dict[str, list[str]]) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        errors.setdefault(name, []).append(f"Must be a number of seconds from 0 to {MAX_SECONDS}.")
        return 0.0
    return float(value)


def credited(row, report: VideoReport, duration: float, now: datetime) -> dict:
    """The progress columns after crediting ``report`` to ``row`` (a model or a row with
    ``intervals, watched_seconds, last_position, status, first_opened_at``)."""
    first_opened_at = row.first_opened_at or now
    elapsed = max(0.0, (now - first_opened_at).total_seconds())
    budget = max(0.0, 2 * elapsed - row.watched_seconds)
    existing = [(start, end) for start, end in row.intervals or []]
    union, _ = iv.credit(existing, report.played, duration, budget)
    watched = iv.covered(union)
    position = min(report.position, duration)
    last_position = position if report.seek or position > row.last_position else \
        row.last_position
    status = row.status
    if status == "not_started" and (watched > 0 or last_position > 0):
        status = "in_progress"
    return {"first_opened_at": first_opened_at,
            "intervals": [[start, end] for start, end in union], "watched_seconds": watched,
            "percent": min(100, math.floor(100 * watched / duration + 1e-9)),
            "last_position": last_position, "status": status,
            "last_report_at": now, "updated_at": now}
