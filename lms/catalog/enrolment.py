"""Enrolling members in courses, and the single-use signup codes of ``code`` courses.

Both writes are safe under concurrent requests without locks or savepoints:
the enrolment row is inserted with ``ON CONFLICT DO NOTHING`` against the
(user, course) unique constraint, and a code is redeemed by one conditional
``UPDATE … WHERE redeemed_at IS NULL`` whose row count says who won.
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from lms import signals
from lms.accounts.models import User
from lms.accounts.service import require_admin
from lms.catalog import access
from lms.catalog.models import Course, Enrollment, SignupCode
from lms.errors import Conflict, NotFound, Unauthorized, ValidationError
from lms.extensions import db, utcnow

#: No 0/O, 1/I/L, 5/S or 2/Z: codes are read aloud and typed from paper.
CODE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4
MAX_CODES_PER_BATCH = 500
CODE_USED = "This signup code has already been used. Ask your organisation for another code."
CODE_UNKNOWN = "This signup code is not valid for this course. Check it and try again."


def enrol(actor: User | None, course: Course, code: str | None = None,
          now: datetime | None = None) -> tuple[Enrollment, bool]:
    """Enrol ``actor`` in ``course``; returns the enrolment and whether it is new.

    Idempotent: a member already enrolled gets their enrolment back (no code is
    used). ``code`` courses need an unused signup code of this course. Sends
    ``signals.member_enrolled`` once, for a new enrolment.
    Raises Unauthorized (logged out), NotFound (course not visible), Conflict
    (not published, or code already used), ValidationError (missing or unknown code).
    """
    if actor is None:
        raise Unauthorized("Log in to enrol.")
    if not access.can_see(actor, course):
        raise NotFound("No such course.")
    existing = access.enrollment_of(actor, course)
    if existing is not None:
        return existing, False
    if not course.is_published:
        raise Conflict("This course is not open for enrolment: it is not published.")
    now = now or utcnow()
    code_id = redeem_code(actor, course, code, now) if course.access == "code" else None
    enrollment_id = _insert_enrollment(actor, course, code_id, now)
    if enrollment_id is None:
        if code_id is not None:
            _release_code(code_id)
        return access.enrollment_of(actor, course), False
    enrollment = db.session.get(Enrollment, enrollment_id)
    signals.member_enrolled.send(course.id, user=actor, enrollment=enrollment, now=now)
    return enrollment, True


def _insert_enrollment(actor: User, course: Course, code_id: int | None,
                       now: datetime) -> int | None:
    """Insert the enrolment unless one exists (even one a concurrent request just made).

    Returns the new row's id, or None when the member was already enrolled.
    """
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    ends = now + timedelta(days=course.enrol_window_days) if course.enrol_window_days else None
    stmt = insert(Enrollment).values(
        user_id=actor.id, course_id=course.id, enrolled_at=now, access_ends_at=ends,
        signup_code_id=code_id,
    ).on_conflict_do_nothing(index_elements=["user_id", "course_id"]).returning(Enrollment.id)
    return db.session.execute(stmt).scalar_one_or_none()


def redeem_code(actor: User, course: Course, code: str | None, now: datetime) -> int:
    """Mark a code of ``course`` used by ``actor``; returns its id.

    Atomic: of any number of concurrent redemptions of one code, exactly one
    succeeds. Raises ValidationError (missing or unknown code), Conflict (used).
    """
    clean = normalise_code(code)
    if not clean:
        raise ValidationError("Enter your signup code.",
                              errors={"code": ["Enter the signup code you were given."]})
    row = db.session.execute(select(SignupCode.id, SignupCode.course_id)
                             .where(SignupCode.code == clean)).first()
    if row is None or row.course_id != course.id:
        raise ValidationError(CODE_UNKNOWN, errors={"code": [CODE_UNKNOWN]})
    claimed = db.session.execute(
        update(SignupCode)
        .where(SignupCode.id == row.id, SignupCode.redeemed_at.is_(None))
        .values(redeemed_by_id=actor.id, redeemed_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict(CODE_USED, errors={"code": [CODE_USED]})
    return row.id


def _release_code(code_id: int) -> None:
    """Give back a code claimed by a request that lost the race to enrol the same member."""
    db.session.execute(update(SignupCode).where(SignupCode.id == code_id)
                       .values(redeemed_by_id=None, redeemed_at=None)
                       .execution_options(synchronize_session=False))


def normalise_code(code: str | None) -> str:
    """Upper-case, without spaces or dashes, regrouped as ``XXXX-XXXX-XXXX``."""
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())[:40]
    groups = [raw[i:i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH)]
    return "-".join(groups)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return normalise_code(raw)


def create_codes(actor: User | None, course: Course, count: int,
                 batch: str = "") -> list[SignupCode]:
    """Create ``count`` single-use signup codes for ``course``, labelled ``batch``.

    Raises Unauthorized/Forbidden (staff only), ValidationError (count 1–500, label too long).
    """
    require_admin(actor)
    batch = " ".join((batch or "").split())
    errors = {}
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES_PER_BATCH:
        errors["count"] = [f"Create 1 to {MAX_CODES_PER_BATCH} codes at a time."]
    if len(batch) > 120:
        errors["batch"] = ["At most 120 characters."]
    if errors:
        raise ValidationError("Check the batch details.", errors=errors)
    codes = [SignupCode(course_id=course.id, code=new_code(), batch=batch,
                        created_by_id=actor.id) for _ in range(count)]
    db.session.add_all(codes)
    db.session.flush()
    return codes


def list_codes(actor: User | None, course: Course) -> list[SignupCode]:
    """Every code of the course, newest batch first, with who redeemed it.

    Raises Unauthorized/Forbidden (staff only).
    """
    require_admin(actor)
    return list(db.session.execute(
        select(SignupCode).where(SignupCode.course_id == course.id)
        .options(selectinload(SignupCode.redeemed_by))
        .order_by(SignupCode.created_at.desc(), SignupCode.id)).scalars())


def codes_csv(actor: User | None, course: Course) -> str:
    """The course's codes as CSV text, with formula-like cells neutralised.

    Raises Unauthorized/Forbidden (staff only).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "batch", "created_at", "redeemed_at", "redeemed_by_name",
                     "redeemed_by_email"])
    for code in list_codes(actor, course):
        member = code.redeemed_by
        writer.writerow([safe_cell(value) for value in (
            code.code, code.batch, code.created_at.isoformat(),
            code.redeemed_at.isoformat() if code.redeemed_at else "",
            member.name if member else "", member.email if member else "")])
    return out.getvalue()


def safe_cell(value: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def get_course_by_slug(slug: str) -> Course:
    """Any course by slug (callers check permission). Raises NotFound."""
    course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None:
        raise NotFound("No such course.")
    return course
