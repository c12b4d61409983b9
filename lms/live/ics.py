"""iCalendar (RFC 5545) for live sessions: plain data in, ``text/calendar`` bytes out.

Pure like ``certificates/pdf.py``: no Flask, no database. An invitation is one
VEVENT under ``METHOD:REQUEST`` (or ``CANCEL``); the UID stays the same for the
life of a session and SEQUENCE grows with every change of time or a cancellation,
so calendar programs update the event they already hold instead of adding one.
Times are written in UTC. The event's URL is our join page, never the meeting
service's address (that is handed out only inside the join window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Core Learning//Live webinars//EN"
CONTENT_TYPE = "text/calendar"


@dataclass(frozen=True)
class EventData:
    """What a calendar needs to know about one session."""

    uid: str
    sequence: int
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    #: Our page for the session (join page for registrants), never the meeting URL.
    url: str
    stamp: datetime
    cancelled: bool = False
    organizer_email: str | None = None
    attendee_email: str | None = None


def invitation(event: EventData, *, cancel: bool = False) -> bytes:
    """One event for one registrant: METHOD:REQUEST, or METHOD:CANCEL when ``cancel``."""
    calendar = _calendar(method="CANCEL" if cancel else "REQUEST")
    calendar.add_component(_event(event, cancelled=cancel or event.cancelled))
    return calendar.to_ical()


def feed(name: str, events: list[EventData]) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH) of a member's sessions."""
    calendar = _calendar(method="PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_event(event, cancelled=event.cancelled))
    return calendar.to_ical()


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _event(data: EventData, *, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", data.uid)
    event.add("sequence", data.sequence)
    event.add("dtstamp", _utc(data.stamp))
    event.add("dtstart", _utc(data.starts_at))
    event.add("dtend", _utc(data.ends_at))
    event.add("summary", data.summary)
    event.add("description", data.description)
    event.add("url", data.url)
    event.add("location", data.url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if data.organizer_email:
        event["organizer"] = _address(data.organizer_email, role=None)
    if data.attendee_email:
        event.add("attendee", _address(data.attendee_email, role="REQ-PARTICIPANT"))
    return event


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime in a calendar event")
    return moment.astimezone(UTC)


def _address(email: str, *, role: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if role:
        address.params["role"] = vText(role)
        address.params["partstat"] = vText("ACCEPTED")
    return address
