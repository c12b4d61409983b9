"""Renewal-cycle arithmetic and the cycle chart: pure functions on plain values.

Kept free of Flask and the database so every edge (first and last day, a cycle
not yet started or already over, a member's local date) is tested directly.
All dates are the member's local dates: the caller turns "now" into one with
:func:`local_today`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CENT = Decimal("0.01")


def local_today(now: datetime, time_zone: str | None) -> date:
    """The member's date at the instant ``now`` (UTC when the zone is unknown)."""
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


@dataclass(frozen=True)
class CycleStatus:
    """Where a member stands in a cycle on ``today``."""

    required: Decimal
    earned: Decimal
    remaining: Decimal
    #: Share of the cycle's days gone by, first and last day included (0 to 1).
    elapsed: Decimal
    #: What should be earned by now to finish on time: ``required × elapsed``.
    expected: Decimal
    on_track: bool


def in_cycle(day: date, starts_on: date, ends_on: date) -> bool:
    """Both ends count."""
    return starts_on <= day <= ends_on


def elapsed_fraction(starts_on: date, ends_on: date, today: date) -> Decimal:
    """Days of the cycle up to and including ``today``, over its days (both ends counted)."""
    if today < starts_on:
        return Decimal(0)
    total = (ends_on - starts_on).days + 1
    gone = (min(today, ends_on) - starts_on).days + 1
    return Decimal(gone) / Decimal(total)


def cycle_status(required: Decimal, starts_on: date, ends_on: date, today: date,
                 entries: Iterable[tuple[date, Decimal]]) -> CycleStatus:
    """Earned (approved entries dated within the cycle), remaining and on-track on ``today``.

    ``entries`` are (earned_on, amount) of approved credits of the cycle's type.
    On track: earned ≥ required × the elapsed fraction of the cycle.
    """
    earned = sum((amount for day, amount in entries if in_cycle(day, starts_on, ends_on)),
                 Decimal(0))
    elapsed = elapsed_fraction(starts_on, ends_on, today)
    expected = (required * elapsed).quantize(CENT, ROUND_HALF_UP)
    return CycleStatus(required=required, earned=earned,
                       remaining=max(required - earned, Decimal(0)), elapsed=elapsed,
                       expected=expected, on_track=earned >= required * elapsed)


# --- the chart ------------------------------------------------------------------------

WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


@dataclass(frozen=True)
class ChartPoint:
    day: date
    cumulative: Decimal


@dataclass(frozen=True)
class Chart:
    """Coordinates for the inline SVG (a viewBox of WIDTH × HEIGHT)."""

    earned_path: str
    target_path: str
    today_x: float | None
    axis_max: Decimal
    ticks: tuple[tuple[float, str], ...]
    points: tuple[ChartPoint, ...]


def cumulative_points(starts_on: date, ends_on: date, today: date,
                      entries: Iterable[tuple[date, Decimal]]) -> list[ChartPoint]:
    """The running total of approved credit at each day something was earned, from the
    cycle's start up to today (or its end)."""
    running, points = Decimal(0), [ChartPoint(starts_on, Decimal(0))]
    for day, amount in sorted((d, a) for d, a in entries if in_cycle(d, starts_on, ends_on)):
        running += amount
        points.append(ChartPoint(day, running))
    last = min(max(today, starts_on), ends_on)
    if points[-1].day < last:
        points.append(ChartPoint(last, running))
    return points


def chart(required: Decimal, starts_on: date, ends_on: date, today: date,
          entries: Iterable[tuple[date, Decimal]]) -> Chart:
    """Earned-over-time as a step line against the straight line to ``required``."""
    points = cumulative_points(starts_on, ends_on, today, entries)
    top = max(required, points[-1].cumulative, Decimal(1))
    days = max((ends_on - starts_on).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - starts_on).days / days, 1)

    def y(value: Decimal) -> float:
        return round(HEIGHT - BOTTOM - float(value / top) * (HEIGHT - TOP - BOTTOM), 1)

    steps, previous = [], Decimal(0)
    for point in points:
        steps.append(f"L{x(point.day)},{y(previous)} L{x(point.day)},{y(point.cumulative)}")
        previous = point.cumulative
    earned = f"M{x(starts_on)},{y(Decimal(0))} " + " ".join(steps)
    target = f"M{x(starts_on)},{y(Decimal(0))} L{x(ends_on)},{y(required)}"
    today_x = x(today) if in_cycle(today, starts_on, ends_on) else None
    ticks = tuple((y(top * share), plain_amount(top * share)) for share in
                  (Decimal(0), Decimal("0.5"), Decimal(1)))
    return Chart(earned, target, today_x, top, ticks, tuple(points))


def plain_amount(value: Decimal) -> str:
    text = f"{value.quantize(CENT, ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
