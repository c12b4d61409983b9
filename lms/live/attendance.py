"""Attendance: staff import a meeting's participant report; registrants who attended at
least the session's ``min_minutes`` complete its session item (and, through progress,
the course, its certificate and ledger credit, exactly once).

A watched recording completes the session item too when the video is marked as the
session's recording (``Item.recording_completes``), for members who missed it live.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.catalog.access import enrollment_of, get_editable_course
from lms.catalog.enrolment import enrol
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.database import is_postgres
from lms.errors import BadRequest, NotFound, TooLarge, ValidationError
from lms.extensions import db, utcnow
from lms.live.models import AttendanceImport, LiveSession, Registration
from lms.live.participants import MAX_BYTES, Attendee, ReportError, parse_report
from lms.progress.completion import complete_item


@dataclass(frozen=True)
class ImportResult:
    matched: int
    unmatched: list[str]
    credited: int
    #: The same file was imported before: nothing changed.
    repeated: bool = False


@dataclass(frozen=True)
class Unmatched:
    """A report entry no registrant matched: an email (or a guest's name) and minutes."""

    key: str
    minutes: int


def get_session_for_staff(actor: User | None, session_id: int) -> LiveSession:
    """The session for its course's instructors and admins.

    Raises NotFound (no such session, course not visible), Unauthorized, Forbidden.
    """
    session = db.session.get(LiveSession, session_id)
    if session is None:
        raise NotFound("No such session.")
    get_editable_course(actor, session.course_id)
    return session


def import_attendance(actor: User | None, session_id: int, data: bytes | None, *,
                      now: datetime | None = None) -> ImportResult:
    """Read a participant report (``data`` None: no file was sent) and credit the
    registrants who attended long enough.

    The same file again (same SHA-256) changes nothing. Raises NotFound, Forbidden and
    BadRequest (no file, or not a report we can read: nothing is changed), TooLarge.
    """
    now = now or utcnow()
    session = get_session_for_staff(actor, session_id)
    if data is None:
        raise BadRequest("Send the report in a multipart/form-data field named file.",
                         errors={"file": ["Required."]})
    if len(data) > MAX_BYTES:
        raise TooLarge(f"A participant report is at most {MAX_BYTES // (1024 * 1024)} MB.",
                       errors={"file": ["The file is too large."]})
    checksum = hashlib.sha256(data).hexdigest()
    earlier = _earlier_import(session.id, checksum)
    if earlier is not None:
        return _repeated(earlier)
    try:
        report = parse_report(data)
    except ReportError as exc:
        raise BadRequest(f"This file can't be imported: {exc}",
                         errors={"file": [str(exc)]}) from None
    row = _claim_import(actor, session, checksum, report.layout, now)
    if row is None:  # the same file, imported by a simultaneous request
        return _repeated(_earlier_import(session.id, checksum))
    return _apply_report(row, session, report.attendees, now)


def _earlier_import(session_id: int, checksum: str) -> AttendanceImport | None:
    return db.session.scalar(select(AttendanceImport).where(
        AttendanceImport.session_id == session_id, AttendanceImport.checksum == checksum))


def _repeated(earlier: AttendanceImport) -> ImportResult:
    keys = [entry.key for entry in unmatched_entries(earlier)]
    return ImportResult(earlier.matched, keys, 0, repeated=True)


def _claim_import(actor: User, session: LiveSession, checksum: str, layout: str,
                  now: datetime) -> AttendanceImport | None:
    """Insert the import's row unless this file's is there (even a concurrent request's,
    which PostgreSQL waits for): only the request that inserted it applies the report."""
    insert = pg_insert if is_postgres() else sqlite_insert
    row_id = db.session.execute(
        insert(AttendanceImport).values(
            session_id=session.id, checksum=checksum, layout=layout, matched=0, unmatched="",
            uploaded_by_id=actor.id, created_at=now)
        .on_conflict_do_nothing(index_elements=["session_id", "checksum"])
        .returning(AttendanceImport.id)).scalar_one_or_none()
    return db.session.get(AttendanceImport, row_id) if row_id is not None else None


def _apply_report(row: AttendanceImport, session: LiveSession, attendees: list[Attendee],
                  now: datetime) -> ImportResult:
    registrations = _registrations_by_email(session)
    matched, credited, unmatched = 0, 0, []
    for attendee in attendees:
        registration = registrations.get(attendee.key)
        if registration is None:
            unmatched.append(Unmatched(attendee.key, attendee.minutes))
            continue
        matched += 1
        credited += record_attendance(registration, attendee.minutes, now)
    row.matched = matched
    row.unmatched = "\n".join(f"{entry.key}\t{entry.minutes}" for entry in unmatched)
    db.session.flush()
    return ImportResult(matched, [entry.key for entry in unmatched], credited)


def _registrations_by_email(session: LiveSession) -> dict[str, Registration]:
    """The session's registrants (cancelled ones too: they may have come after all)."""
    rows = db.session.execute(
        select(Registration, User.email).join(User, Registration.user_id == User.id)
        .where(Registration.session_id == session.id)).all()
    return {email.lower(): registration for registration, email in rows}


def record_attendance(registration: Registration, minutes: int, now: datetime) -> bool:
    """Keep the most minutes any report gave; credit once they reach ``min_minutes``.

    True when this call credited the registrant (their first qualifying report).
    """
    registration.attended_minutes = max(registration.attended_minutes or 0, minutes)
    session = registration.session
    if minutes < session.min_minutes or registration.attended_at is not None:
        db.session.flush()
        return False
    won = db.session.execute(
        update(Registration).where(Registration.id == registration.id,
                                   Registration.attended_at.is_(None))
        .values(attended_at=now).execution_options(synchronize_session=False)).rowcount == 1
    if won:
        registration.attended_at = now
        user = db.session.get(User, registration.user_id)
        complete_session_item(user, session.course_id, session.item_id, now)
    return won


def session_item(course_id: int, item_id: int | None) -> Item | None:
    """The item a session completes: its own, else the course's only session item."""
    if item_id is not None:
        return db.session.get(Item, item_id)
    items = db.session.scalars(
        select(Item).join(Module, Item.module_id == Module.id)
        .where(Module.course_id == course_id, Item.kind == "session")).all()
    return items[0] if len(items) == 1 else None


def complete_session_item(user: User, course_id: int, item_id: int | None,
                          now: datetime) -> bool:
    """Complete the session item for ``user`` (enrolling them first if needed), through
    progress, so the course, certificate and credit follow as for any item. False when
    the course has no session item to complete."""
    item = session_item(course_id, item_id)
    if item is None:
        return False
    course = db.session.get(Course, course_id)
    enrollment = _enrollment(user, course, now)
    if enrollment is None:
        return False
    complete_item(user, item, course, enrollment, now)
    return True


def _enrollment(user: User, course: Course, now: datetime) -> Enrollment | None:
    existing = enrollment_of(user, course)
    if existing is not None or not course.is_published:
        return existing
    return enrol(user, course, now=now)[0] if course.access != "code" else None


def complete_by_recording(user: User, video: Item, course: Course, now: datetime) -> None:
    """A member finished the session's recording: complete the course's session items
    (those of its sessions, or its only one) unless already complete."""
    if not video.recording_completes:
        return
    item_ids = set(db.session.scalars(
        select(LiveSession.item_id).where(LiveSession.course_id == course.id,
                                          LiveSession.item_id.is_not(None))))
    fallback = session_item(course.id, None)
    if fallback is not None:
        item_ids.add(fallback.id)
    for item_id in sorted(item_ids):
        complete_session_item(user, course.id, item_id, now)


# --- unmatched rows and manual matching -------------------------------------------------


def unmatched_entries(row: AttendanceImport) -> list[Unmatched]:
    """An import's unmatched entries (stored one per line as ``key<TAB>minutes``)."""
    entries = []
    for line in row.unmatched.splitlines():
        key, _, minutes = line.rpartition("\t")
        entries.append(Unmatched(key, int(minutes or 0)))
    return entries


@dataclass(frozen=True)
class AttendancePage:
    session: LiveSession
    course: Course
    imports: list[AttendanceImport]
    unmatched: list[Unmatched]
    registrants: list[tuple[Registration, User]]


def attendance_page(actor: User | None, session_id: int) -> AttendancePage:
    """What the studio's attendance page shows. Raises NotFound, Forbidden."""
    session = get_session_for_staff(actor, session_id)
    imports = list(db.session.scalars(
        select(AttendanceImport).where(AttendanceImport.session_id == session.id)
        .order_by(AttendanceImport.created_at.desc(), AttendanceImport.id.desc())))
    registrants = db.session.execute(
        select(Registration, User).join(User, Registration.user_id == User.id)
        .where(Registration.session_id == session.id, Registration.status != "cancelled")
        .options(selectinload(Registration.session)).order_by(User.name)).all()
    return AttendancePage(session, db.session.get(Course, session.course_id), imports,
                          open_unmatched(imports), [tuple(row) for row in registrants])


def open_unmatched(imports: list[AttendanceImport]) -> list[Unmatched]:
    """Unmatched entries of every import, most minutes kept per key, newest import first."""
    found: dict[str, Unmatched] = {}
    for row in imports:
        for entry in unmatched_entries(row):
            if entry.key not in found or found[entry.key].minutes < entry.minutes:
                found[entry.key] = entry
    return sorted(found.values(), key=lambda entry: entry.key)


def match_entry(actor: User | None, session_id: int, key: str, registration_id: int | None,
                *, now: datetime | None = None) -> bool:
    """Staff say an unmatched report entry was this registrant: record its minutes for
    them and take it off the unmatched list. True when that credited them.

    Raises NotFound, Forbidden, ValidationError (unknown entry or registrant).
    """
    now = now or utcnow()
    session = get_session_for_staff(actor, session_id)
    imports = list(db.session.scalars(
        select(AttendanceImport).where(AttendanceImport.session_id == session.id)))
    entry = next((e for e in open_unmatched(imports) if e.key == key), None)
    registration = db.session.get(Registration, registration_id) if registration_id else None
    errors = {}
    if entry is None:
        errors["key"] = ["This entry is not among the session's unmatched rows."]
    if registration is None or registration.session_id != session.id:
        errors["registration_id"] = ["Choose one of this session's registrants."]
    if errors:
        raise ValidationError("Choose an unmatched row and a registrant.", errors=errors)
    _forget_unmatched(imports, key)
    return record_attendance(registration, entry.minutes, now)


def _forget_unmatched(imports: list[AttendanceImport], key: str) -> None:
    for row in imports:
        kept = [e for e in unmatched_entries(row) if e.key != key]
        row.unmatched = "\n".join(f"{e.key}\t{e.minutes}" for e in kept)
