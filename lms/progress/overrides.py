"""Staff overrides: marking an item or a course complete for a member, with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.access import enrollment_of
from lms.catalog.models import Course, Enrollment, Item
from lms.errors import Conflict, Forbidden, NotFound, ValidationError
from lms.extensions import db, utcnow
from lms.progress.completion import ReportResult, close_enrollment, complete_item


def override_item(actor: User, member_id: int, item_id: int, reason: str, *,
                  now: datetime | None = None) -> ReportResult:
    """Staff mark an item complete for a member, with a reason shown as "set by".

    Raises Forbidden (not admin), NotFound (member or item), Conflict (not enrolled),
    ValidationError (no reason).
    """
    now = now or utcnow()
    member, reason = _override_checks(actor, member_id, reason)
    item = db.session.get(Item, item_id)
    if item is None:
        raise NotFound("No such item.")
    course = item.module.course
    enrollment = _enrolled(member, course)
    return complete_item(member, item, course, enrollment, now, by=actor, reason=reason)


def override_course(actor: User, member_id: int, course_id: int, reason: str, *,
                    now: datetime | None = None) -> Enrollment:
    """Staff mark a whole course complete for a member (sends ``course_completed`` once).

    Raises Forbidden, NotFound, ValidationError, and Conflict when not enrolled or
    already complete.
    """
    now = now or utcnow()
    member, reason = _override_checks(actor, member_id, reason)
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    enrollment = _enrolled(member, course)
    if not close_enrollment(member, course, enrollment, now, by=actor, reason=reason):
        raise Conflict(f"{member.name} already completed this course.")
    db.session.flush()
    return enrollment


def _override_checks(actor: User, member_id: int, reason: str | None) -> tuple[User, str]:
    if not actor.is_admin:
        raise Forbidden("Only site staff can mark work complete for a member.")
    reason = (reason or "").strip() if isinstance(reason, str | None) else ""
    if not reason or len(reason) > 500:
        raise ValidationError("Give a reason.", errors={"reason": [
            "Say why (up to 500 characters); it is recorded and shown to staff."]})
    member = db.session.get(User, member_id) if isinstance(member_id, int) else None
    if member is None:
        raise NotFound("No such member.")
    return member, reason


def _enrolled(member: User, course: Course) -> Enrollment:
    enrollment = enrollment_of(member, course)
    if enrollment is None:
        raise Conflict(f"{member.name} is not enrolled in '{course.title}'.")
    return enrollment


def override_by_names(actor: User, email: str, course_slug: str, item_id: int | None,
                      reason: str, *, now: datetime | None = None) -> str:
    """The staff form's override: finds member and course by name; returns what was done.

    Raises Forbidden first (non-staff learn nothing), then what the overrides raise.
    """
    from lms.accounts.service import find_by_email

    if not actor.is_admin:
        raise Forbidden("Only site staff can mark work complete for a member.")
    member = find_by_email(email or "")
    course = db.session.execute(
        select(Course).where(Course.slug == (course_slug or "").strip())).scalar_one_or_none()
    if member is None:
        raise ValidationError("No such member.", errors={"email": ["No member has this email."]})
    if course is None:
        raise ValidationError("No such course.", errors={"course_slug": ["No such course."]})
    if item_id is None:
        override_course(actor, member.id, course.id, reason, now=now)
        return f"'{course.title}' is now complete for {member.name}."
    item = db.session.get(Item, item_id)
    if item is None or item.module.course_id != course.id:
        raise ValidationError("No such item.", errors={"item_id": ["Not an item of this course."]})
    override_item(actor, member.id, item.id, reason, now=now)
    return f"'{item.title}' is now complete for {member.name}."
