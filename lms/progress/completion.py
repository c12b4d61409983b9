"""Completing items and courses: one completion, one event, one ``course_completed``.

The course completes with a conditional ``UPDATE`` whose row count decides who
sends ``course_completed``, so concurrent last items complete it exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import attributes

from lms import signals
from lms.accounts.models import User
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.extensions import db
from lms.progress.models import ItemProgress
from lms.progress.record import record_event
from lms.progress.rows import lock, locked_row


@dataclass(frozen=True)
class ReportResult:
    item_id: int
    percent: int
    completed: bool
    position: float
    course_completed: bool


def complete_item(user: User, item: Item, course: Course, enrollment: Enrollment,
                   now: datetime, *, by: User | None = None,
                   reason: str | None = None) -> ReportResult:
    """Complete ``item`` for a member (``by`` staff, with ``reason``, for an override).

    Records the event and completes the course when this was its last required item.
    """
    row = locked_row(user.id, item.id, now)
    course_done = False
    if row.status != "completed":
        row.percent = 100
        row.set_by_id, row.set_reason = (by.id if by else None), reason
        mark_row_complete(row, now)
        record_event(user, "completed", course, item, now=now, result={"completion": True})
        course_done = complete_course_if_done(user, course, enrollment, now)
    db.session.flush()
    return ReportResult(item.id, row.percent, True, row.last_position, course_done)


def mark_row_complete(row: ItemProgress, now: datetime) -> None:
    row.status = "completed"
    row.completed_at = now
    row.updated_at = now


def complete_course_if_done(user: User, course: Course, enrollment: Enrollment,
                             now: datetime) -> bool:
    """Complete the course once every required item is; True for the one caller that did."""
    if enrollment.completed_at is not None:
        return False
    # Serialise completions of different items of one course (PostgreSQL), so the
    # last of two simultaneous completions sees the other's row.
    lock(select(Enrollment.id).where(Enrollment.id == enrollment.id))
    done = select(ItemProgress.id).where(
        ItemProgress.item_id == Item.id, ItemProgress.user_id == user.id,
        ItemProgress.status == "completed")
    missing = db.session.scalar(
        select(func.count(Item.id)).join(Module, Item.module_id == Module.id)
        .where(Module.course_id == course.id, Item.is_required, ~exists(done)))
    return missing == 0 and close_enrollment(user, course, enrollment, now)


def close_enrollment(user: User, course: Course, enrollment: Enrollment, now: datetime, *,
                      by: User | None = None, reason: str | None = None) -> bool:
    """Set completed_at if still unset; the caller whose UPDATE wins sends the signal."""
    result = db.session.execute(
        update(Enrollment).where(Enrollment.id == enrollment.id,
                                 Enrollment.completed_at.is_(None))
        .values(completed_at=now, completed_by_id=by.id if by else None,
                completion_reason=reason)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    for name, value in (("completed_at", now), ("completed_by_id", by.id if by else None),
                        ("completion_reason", reason)):
        attributes.set_committed_value(enrollment, name, value)
    record_event(user, "completed", course, now=now, result={"completion": True})
    signals.course_completed.send(course.id, user=user, enrollment=enrollment, now=now)
    return True

