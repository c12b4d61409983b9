"""Session times as a member reads them: in their own time zone (UTC when unknown)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime, zone: str | None) -> datetime:
    return moment.astimezone(zone_of(zone))


def when(moment: datetime, zone: str | None) -> str:
    """``Tuesday 3 March 2026, 09:00 HST``: the date, the 24-hour time and the zone."""
    shown = local(moment, zone)
    return f"{shown.strftime('%A')} {shown.day} {shown.strftime('%B %Y, %H:%M')} {shown.tzname()}"


def span(starts_at: datetime, ends_at: datetime, zone: str | None) -> str:
    """A session's start and end: ``Tuesday 3 March 2026, 09:00–10:30 HST``."""
    start, end = local(starts_at, zone), local(ends_at, zone)
    if start.date() != end.date():
        return f"{when(starts_at, zone)} – {when(ends_at, zone)}"
    return (f"{start.strftime('%A')} {start.day} {start.strftime('%B %Y, %H:%M')}–"
            f"{end.strftime('%H:%M')} {end.tzname()}")
