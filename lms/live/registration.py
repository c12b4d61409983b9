"""Registering for a session, the waitlist, and joining.

Every change of seats locks the session row first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite writes one at a time anyway), so simultaneous registrations
are served one after another: the counts beside the row stay right, a full
session never takes one more, and each cancellation promotes exactly one member
from the waitlist, the one waiting longest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.accounts.service import is_time_zone
from lms.catalog.access import can_edit, enrollment_of
from lms.catalog.enrolment import enrol
from lms.catalog.models import Course
from lms.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from lms.extensions import db, utcnow
from lms.live import notify
from lms.live.models import GroupViewer, LiveSession, Registration
from lms.live.service import get_visible_session, join_is_open, join_opens_at, status_of

MAX_GROUP_VIEWERS = 50
ACTIVE = ("registered", "waitlisted")


class JoinNotOpen(Conflict):
    """The join window has not opened (or has closed); ``opens_at`` says when it opens."""

    title = "Not open yet"

    def __init__(self, detail: str, opens_at: datetime) -> None:
        super().__init__(detail)
        self.opens_at = opens_at
        self.fields = {"opens_at": opens_at.isoformat()}


def lock_session(session_id: int) -> LiveSession:
    """The session row, locked until the transaction ends."""
    session = db.session.execute(
        select(LiveSession).where(LiveSession.id == session_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if session is None:
        raise NotFound("No such session.")
    return session


def registration_of(user: User | None, session_id: int, *, fresh: bool = False,
                    with_viewers: bool = False) -> Registration | None:
    """The member's registration (any status); ``fresh`` re-reads a row already loaded
    (after the session's lock, another request may have changed it); ``with_viewers``
    reads its co-viewers in the same statement."""
    if user is None:
        return None
    stmt = (select(Registration).where(Registration.session_id == session_id,
                                       Registration.user_id == user.id)
            .execution_options(populate_existing=fresh))
    if with_viewers:
        stmt = stmt.options(joinedload(Registration.group_viewers))
    return db.session.execute(stmt).unique().scalar_one_or_none()


def register(actor: User | None, session_id: int, data: dict[str, Any] | None = None,
             now: datetime | None = None) -> tuple[Registration, bool]:
    """Register ``actor`` (a seat, or the waitlist when the session is full).

    Returns the registration and whether it is new (False: already registered or
    waiting). Co-viewers (``group_viewers: [{name, email}]``) are kept for the
    registrant to confirm after the session. Enrols the member in the course.
    Raises Unauthorized, NotFound, Conflict (cancelled or ended), Forbidden (the
    course needs a signup code the member has not used), ValidationError.
    """
    if actor is None:
        raise Unauthorized("Log in to register.")
    now = now or utcnow()
    data = data or {}
    viewers = clean_group_viewers(data.get("group_viewers", []), actor)
    if not isinstance(data.get("time_zone", ""), str):
        raise ValidationError("time_zone is a zone name.",
                              errors={"time_zone": ["An IANA zone name, e.g. Pacific/Auckland."]})
    known = registration_of(actor, session_id, with_viewers=True)
    if known is not None and known.status in ACTIVE and not viewers:
        return known, False  # already has a place: nothing to lock or change
    visible = get_visible_session(actor, session_id)
    _check_open(visible, now)
    _enrol(actor, visible)
    session = lock_session(session_id)
    registration = registration_of(actor, session_id, fresh=True)
    if registration is not None and registration.status in ACTIVE:
        _add_viewers(registration, viewers)
        return registration, False
    registration = _take_place(session, actor, registration, now)
    _add_viewers(registration, viewers)
    _default_zone(actor, data.get("time_zone"))
    db.session.flush()
    notify.queue_mail(registration, "confirmed" if registration.status == "registered"
                      else "waitlisted")
    return registration, True


def _check_open(session: LiveSession, now: datetime) -> None:
    status = status_of(session, now)
    if status == "cancelled":
        raise Conflict("This session was cancelled.")
    if status == "ended":
        raise Conflict("This session has ended.")


def _enrol(actor: User, session: LiveSession) -> None:
    course = session.course
    if course.access == "code" and enrollment_of(actor, course) is None:
        raise Forbidden("Enrol in the course with your signup code first.")
    if course.is_published:
        enrol(actor, course)


def _take_place(session: LiveSession, actor: User, registration: Registration | None,
                now: datetime) -> Registration:
    seat = session.capacity is None or session.registered_count < session.capacity
    status = "registered" if seat else "waitlisted"
    if registration is None:
        registration = Registration(session_id=session.id, user_id=actor.id)
        db.session.add(registration)
    registration.status, registration.created_at = status, now
    registration.cancelled_at = registration.promoted_at = None
    registration.user = actor
    if seat:
        session.registered_count += 1
    else:
        session.waitlisted_count += 1
    return registration


def _default_zone(actor: User, zone: object) -> None:
    """The browser's zone becomes the member's when they never chose one."""
    if actor.time_zone in (None, "", "UTC") and isinstance(zone, str) and zone != "UTC" \
            and is_time_zone(zone):
        actor.time_zone = zone


def clean_group_viewers(value: object, actor: User) -> list[tuple[str, str]]:
    """``[{name, email}]`` as (name, lower-case email) pairs; ValidationError otherwise."""
    if not isinstance(value, list) or len(value) > MAX_GROUP_VIEWERS:
        raise ValidationError("group_viewers is a list of {name, email}.", errors={
            "group_viewers": [f"A list of at most {MAX_GROUP_VIEWERS} {{name, email}}."]})
    viewers: dict[str, str] = {}
    for entry in value:
        name = entry.get("name") if isinstance(entry, dict) else None
        email = entry.get("email") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ValidationError("Each co-viewer needs a name.",
                                  errors={"group_viewers": ["Each needs a name (200 at most)."]})
        try:
            address = validate_email(email if isinstance(email, str) else "",
                                     check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise ValidationError("Each co-viewer needs an email address.", errors={
                "group_viewers": [f"Not an email address: {email!r}."]}) from None
        if address != actor.email.lower():
            viewers[address] = name.strip()
    return [(name, email) for email, name in viewers.items()]


def _add_viewers(registration: Registration, viewers: list[tuple[str, str]]) -> None:
    known = {viewer.email for viewer in registration.group_viewers}
    for name, email in viewers:
        if email not in known:
            registration.group_viewers.append(GroupViewer(name=name, email=email))


def cancel_registration(actor: User | None, session_id: int, now: datetime | None = None
                        ) -> None:
    """Give up a seat (or a place on the waitlist); the longest waiting member takes the
    seat and is told. Raises NotFound when the actor has no place at the session."""
    if actor is None:
        raise Unauthorized("Log in first.")
    now = now or utcnow()
    session = lock_session(session_id)
    registration = registration_of(actor, session_id, fresh=True)
    if registration is None or registration.status not in ACTIVE:
        raise NotFound("You are not registered for this session.")
    if registration.status == "registered":
        session.registered_count -= 1
    else:
        session.waitlisted_count -= 1
    registration.status, registration.cancelled_at = "cancelled", now
    db.session.flush()
    if session.status != "cancelled" and status_of(session, now) != "ended":
        fill_seats(session, now)


def fill_seats(session: LiveSession, now: datetime) -> list[Registration]:
    """Promote waiting members, longest waiting first, while seats are free (session locked)."""
    free = (session.waitlisted_count if session.capacity is None
            else min(session.capacity - session.registered_count, session.waitlisted_count))
    if free <= 0:
        return []
    promoted = db.session.execute(
        select(Registration).where(Registration.session_id == session.id,
                                   Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id).limit(free)).scalars().all()
    for registration in promoted:
        registration.status, registration.promoted_at = "registered", now
        session.registered_count += 1
        session.waitlisted_count -= 1
    db.session.flush()
    for registration in promoted:
        notify.queue_mail(registration, "promoted")
    return list(promoted)


def join(actor: User | None, session_id: int, now: datetime | None = None) -> str:
    """The meeting's address for a registered member inside the join window.

    Records the member's first click (``joined_at``). The course's editors may join
    too (nothing is recorded). Raises Unauthorized, NotFound (no such session, or
    not registered), Forbidden (waitlisted), JoinNotOpen (before the window or after
    the end, with ``opens_at``), Conflict (cancelled).
    """
    if actor is None:
        raise Unauthorized("Log in to join.")
    now = now or utcnow()
    seat = db.session.execute(_SEAT, {"session_id": session_id, "user_id": actor.id}).first()
    if seat is not None:
        return _join_seated(seat, now)
    return _join_general(actor, session_id, now)


#: A registrant's seat at a session of a published course, in one row of plain columns:
#: the fast path of the thousands who click join at once (tests/perf/bench_live.py).
_SEAT = (
    select(LiveSession.starts_at, LiveSession.ends_at, LiveSession.status,
           LiveSession.join_url, Registration.id.label("registration_id"),
           Registration.joined_at)
    .join(Course, Course.id == LiveSession.course_id)
    .join(Registration, and_(Registration.session_id == LiveSession.id,
                             Registration.user_id == bindparam("user_id"),
                             Registration.status == "registered"))
    .where(LiveSession.id == bindparam("session_id"), Course.status == "published"))


def _join_seated(seat, now: datetime) -> str:
    """:func:`join` for a seated registrant of a published course (the same answers as
    :func:`_join_general`, tested)."""
    if seat.status == "cancelled":
        raise Conflict("This session was cancelled.")
    if not join_is_open(seat, now):
        raise JoinNotOpen("This session has ended." if now >= seat.ends_at else
                          "The session opens 15 minutes before it starts.",
                          join_opens_at(seat))
    if seat.joined_at is None:
        db.session.execute(update(Registration)
                           .where(Registration.id == seat.registration_id,
                                  Registration.joined_at.is_(None))
                           .values(joined_at=now).execution_options(synchronize_session=False))
    return seat.join_url


def _join_general(actor: User, session_id: int, now: datetime) -> str:
    """:func:`join` for anyone: editors, the waitlisted, the unregistered."""
    session, registration = _session_and_place(actor, session_id)
    seated = registration is not None and registration.status == "registered"
    # Registrants of a published course need no further check: one statement for the
    # thousands who click join at once (tests/perf/bench_live.py).
    editor = not (seated and session.course.is_published) and can_edit(actor, session.course)
    if not (editor or session.course.is_published):
        raise NotFound("No such session.")
    if not editor and (registration is None or registration.status == "cancelled"):
        raise NotFound("You are not registered for this session.")
    if not editor and registration.status == "waitlisted":
        raise Forbidden("You are on the waitlist: you can join once a seat is yours.")
    if session.status == "cancelled":
        raise Conflict("This session was cancelled.")
    if not join_is_open(session, now):
        ended = now >= session.ends_at
        raise JoinNotOpen("This session has ended." if ended else
                          "The session opens 15 minutes before it starts.",
                          join_opens_at(session))
    if registration is not None and registration.joined_at is None and not editor:
        registration.joined_at = now
    return session.join_url


def _session_and_place(actor: User, session_id: int
                       ) -> tuple[LiveSession, Registration | None]:
    """The session with its course, and the actor's registration, in one statement."""
    row = db.session.execute(
        select(LiveSession, Registration)
        .outerjoin(Registration, and_(Registration.session_id == LiveSession.id,
                                      Registration.user_id == actor.id))
        .where(LiveSession.id == session_id)
        .options(joinedload(LiveSession.course))).first()
    if row is None:
        raise NotFound("No such session.")
    return row[0], row[1]


def my_sessions(actor: User | None, now: datetime | None = None) -> list[Registration]:
    """The member's places (registered or waiting) at sessions not yet ended, soonest first."""
    if actor is None:
        raise Unauthorized("Log in first.")
    return list(db.session.execute(
        select(Registration).join(LiveSession)
        .where(Registration.user_id == actor.id, Registration.status.in_(ACTIVE),
               LiveSession.ends_at > (now or utcnow()))
        .order_by(LiveSession.starts_at, LiveSession.id)
        .options(selectinload(Registration.session).selectinload(LiveSession.course)
                 .selectinload(Course.topics))).scalars().all())
