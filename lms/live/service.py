"""Live sessions: schedule, change, cancel, list; their status and join window.

Times are stored in UTC. A session's status is stored only as scheduled or
cancelled: "live" and "ended" are read off the clock (:func:`status_of`), so no
job has to flip them. The meeting service's ``join_url`` never leaves this
domain except through :func:`lms.live.registration.join` inside the join window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.catalog.access import can_edit, get_editable_course
from lms.catalog.models import Course, Topic
from lms.errors import BadRequest, Conflict, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.live.models import LiveSession, Registration

#: The join page opens this long before the start.
JOIN_OPENS_BEFORE = timedelta(minutes=15)
MAX_CAPACITY = 100_000
MAX_LENGTH = timedelta(hours=12)


def status_of(session: LiveSession, now: datetime | None = None) -> str:
    """scheduled, live (from start to end), ended, or cancelled."""
    if session.status == "cancelled":
        return "cancelled"
    now = now or utcnow()
    if now < session.starts_at:
        return "scheduled"
    return "live" if now < session.ends_at else "ended"


def join_opens_at(session: LiveSession) -> datetime:
    return session.starts_at - JOIN_OPENS_BEFORE


def join_is_open(session: LiveSession, now: datetime | None = None) -> bool:
    """Whether the meeting's address may be handed out now (15 minutes before start to end)."""
    now = now or utcnow()
    return session.status != "cancelled" and join_opens_at(session) <= now < session.ends_at


# --- reading -------------------------------------------------------------------------


def get_visible_session(actor: User | None, session_id: int) -> LiveSession:
    """A session of a published course (or one the actor edits); NotFound otherwise."""
    session = db.session.execute(
        select(LiveSession).where(LiveSession.id == session_id)
        .options(selectinload(LiveSession.course))).scalar_one_or_none()
    if session is None or not (session.course.is_published or can_edit(actor, session.course)):
        raise NotFound("No such session.")
    return session


def get_editable_session(actor: User | None, session_id: int) -> LiveSession:
    """A session its course's instructors or staff may change (404 / 403 otherwise)."""
    session = db.session.get(LiveSession, session_id)
    if session is None:
        raise NotFound("No such session.")
    get_editable_course(actor, session.course_id)
    return session


def course_sessions(actor: User | None, course_id: int) -> tuple[Course, list[LiveSession]]:
    """A course and all its sessions, soonest first, for its editors."""
    course = get_editable_course(actor, course_id)
    sessions = db.session.execute(
        select(LiveSession).where(LiveSession.course_id == course.id)
        .order_by(LiveSession.starts_at, LiveSession.id)).scalars().all()
    return course, list(sessions)


def registrants(actor: User | None, session_id: int) -> tuple[LiveSession, list[Registration],
                                                             list[Registration]]:
    """The registered members and the waitlist (in the order it will be served)."""
    session = get_editable_session(actor, session_id)
    rows = db.session.execute(
        select(Registration).where(Registration.session_id == session.id,
                                   Registration.status.in_(("registered", "waitlisted")))
        .order_by(Registration.created_at, Registration.id)
        .options(selectinload(Registration.user))).scalars().all()
    return (session, [r for r in rows if r.status == "registered"],
            [r for r in rows if r.status == "waitlisted"])


@dataclass(frozen=True)
class Filters:
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    topic: str | None = None


def parse_filters(starts_from: str | None, to: str | None, topic: str | None) -> Filters:
    """``from``/``to`` as dates (whole UTC days, ``to`` included) or timestamps with a zone."""
    errors: dict[str, list[str]] = {}
    first = _moment(starts_from, "from", errors, end=False)
    last = _moment(to, "to", errors, end=True)
    if errors:
        raise BadRequest("from and to are dates (YYYY-MM-DD) or timestamps with a zone.",
                         errors=errors)
    if first and last and last < first:
        raise BadRequest("from is after to.", errors={"to": ["Must not be before from."]})
    return Filters(first, last, (topic or "").strip() or None)


def _moment(text: str | None, name: str, errors: dict, *, end: bool) -> datetime | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors[name] = ["Not a date or timestamp."]
        return None
    if moment.tzinfo is None:
        errors[name] = ["Give the timestamp's zone, e.g. 2026-03-01T15:00:00Z."]
        return None
    return moment.astimezone(UTC)


def list_sessions(filters: Filters, *, page: int = 1, per_page: int = 20,
                  now: datetime | None = None) -> tuple[list[LiveSession], int]:
    """Sessions of published courses, soonest first; without ``from``, those not yet ended."""
    stmt = _listed(filters, now or utcnow())
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(
        stmt.order_by(LiveSession.starts_at, LiveSession.id)
        .options(selectinload(LiveSession.course).selectinload(Course.topics))
        .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return list(rows), total


def upcoming_for_course(course_id: int, *, limit: int = 5,
                        now: datetime | None = None) -> list[LiveSession]:
    """A course's sessions that have not ended and are not cancelled, soonest first."""
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.course_id == course_id,
                                  LiveSession.status != "cancelled",
                                  LiveSession.ends_at > (now or utcnow()))
        .order_by(LiveSession.starts_at, LiveSession.id).limit(limit)))


def _listed(filters: Filters, now: datetime) -> Select:
    stmt = (select(LiveSession).join(Course, Course.id == LiveSession.course_id)
            .where(Course.status == "published"))
    if filters.starts_from is not None:
        stmt = stmt.where(LiveSession.starts_at >= filters.starts_from)
    else:
        stmt = stmt.where(LiveSession.ends_at > now)
    if filters.starts_before is not None:
        stmt = stmt.where(LiveSession.starts_at < filters.starts_before)
    if filters.topic:
        stmt = stmt.where(Course.topics.any(Topic.slug == filters.topic))
    return stmt


def upcoming_stamp() -> tuple:
    """What the public calendar shows: changes with any session or course edit."""
    return tuple(db.session.execute(select(
        func.max(LiveSession.updated_at), func.count(LiveSession.id),
        select(func.max(Course.updated_at)).scalar_subquery())).one())


# --- writing -------------------------------------------------------------------------


def create_session(actor: User | None, course_id: int, data: dict[str, Any],
                   now: datetime | None = None) -> LiveSession:
    """Schedule a session of a course (its instructors, admin).

    Raises NotFound/Forbidden (course), ValidationError (times, capacity, URL, minutes).
    """
    course = get_editable_course(actor, course_id)
    fields = clean_fields(data, now=now or utcnow())
    session = LiveSession(course_id=course.id, **fields)
    db.session.add(session)
    db.session.flush()
    session.course = course
    return session


def update_session(actor: User | None, session_id: int, data: dict[str, Any],
                   now: datetime | None = None) -> LiveSession:
    """Change a session. A new time raises SEQUENCE and sends registrants an updated
    invitation; more seats promote from the waitlist. Raises as :func:`create_session`,
    and Conflict for a cancelled session."""
    from lms.live import notify, registration

    session = get_editable_session(actor, session_id)
    session = registration.lock_session(session.id)
    if session.status == "cancelled":
        raise Conflict("This session was cancelled: schedule a new one instead.")
    fields = clean_fields(data, now=now or utcnow(), current=session)
    moved = (fields["starts_at"], fields["ends_at"]) != (session.starts_at, session.ends_at)
    for name, value in fields.items():
        setattr(session, name, value)
    if moved:
        session.sequence += 1
        notify.tell_registrants(session, "updated")
    registration.fill_seats(session, now or utcnow())
    db.session.flush()
    return session


def cancel_session(actor: User | None, session_id: int, now: datetime | None = None
                   ) -> LiveSession:
    """Cancel a session: everyone registered or waiting gets a METHOD:CANCEL invitation."""
    from lms.live import notify, registration

    session = get_editable_session(actor, session_id)
    session = registration.lock_session(session.id)
    if session.status == "cancelled":
        return session
    now = now or utcnow()
    session.status, session.cancelled_at = "cancelled", now
    session.sequence += 1
    notify.tell_registrants(session, "cancelled", waitlisted_too=True)
    db.session.flush()
    return session


def clean_fields(data: dict[str, Any], *, now: datetime,
                 current: LiveSession | None = None) -> dict[str, Any]:
    """The session's fields from an API body or form (missing ones kept from ``current``).

    Raises ValidationError naming each bad field.
    """
    errors: dict[str, list[str]] = {}
    starts = _when(data, "starts_at", errors, current)
    ends = _when(data, "ends_at", errors, current)
    if starts and ends and not timedelta(0) < ends - starts <= MAX_LENGTH:
        errors.setdefault("ends_at", []).append("Must be after the start, within 12 hours.")
    if starts and ends and ends <= now and (current is None or "ends_at" in data):
        errors.setdefault("ends_at", []).append("Must be in the future.")
    fields = {"starts_at": starts, "ends_at": ends,
              "capacity": _capacity(data, errors, current),
              "join_url": _join_url(data, errors, current),
              "min_minutes": _min_minutes(data, errors, current, starts, ends)}
    if errors:
        raise ValidationError("Check the session's fields.", errors=errors)
    return fields


def _when(data: dict, name: str, errors: dict, current: LiveSession | None) -> datetime | None:
    if name not in data and current is not None:
        return getattr(current, name)
    value = data.get(name)
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        errors[name] = ["Give a date and time with its zone, e.g. 2026-03-01T15:00:00Z."]
        return None
    return moment.astimezone(UTC)


def _capacity(data: dict, errors: dict, current: LiveSession | None) -> int | None:
    if "capacity" not in data:
        return current.capacity if current is not None else None
    value = data["capacity"]
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        errors["capacity"] = [f"A whole number from 1 to {MAX_CAPACITY}, or none for no limit."]
        return None
    return value


def _join_url(data: dict, errors: dict, current: LiveSession | None) -> str:
    if "join_url" not in data and current is not None:
        return current.join_url
    value = data.get("join_url")
    parts = urlsplit(value.strip()) if isinstance(value, str) else None
    if (parts is None or parts.scheme not in ("https", "http") or not parts.netloc
            or len(value) > 500):
        errors["join_url"] = ["The meeting's https:// address (at most 500 characters)."]
        return ""
    return value.strip()


def _min_minutes(data: dict, errors: dict, current: LiveSession | None,
                 starts: datetime | None, ends: datetime | None) -> int:
    if "min_minutes" in data and data["min_minutes"] is None:
        errors["min_minutes"] = ["A whole number of minutes, 0 or more (or leave it out)."]
        return 0
    value = data.get("min_minutes", current.min_minutes if current is not None else None)
    if value is None:
        return int((ends - starts).total_seconds() // 60 * 3 // 4) if starts and ends else 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors["min_minutes"] = ["A whole number of minutes, 0 or more."]
        return 0
    if starts and ends and value > (ends - starts).total_seconds() / 60:
        errors["min_minutes"] = ["At most the session's length."]
    return value
