"""A new edition of an enrolment: the member's progress starts afresh, the old stays.

Called by certificates when a member retakes a course. The live ``item_progress``
rows of the course are copied to ``archived_progress`` under the edition they
belonged to and then deleted, so every page and report that reads progress sees
the new edition without knowing about editions; the learning record (append-only)
keeps every event of every edition anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, literal, select, update

from lms.catalog.models import Course, Enrollment, Item, Module
from lms.extensions import db
from lms.progress.models import ArchivedProgress, Cmi5Launch, ItemProgress, PackageRuntime

#: Columns copied from ``item_progress`` to ``archived_progress`` as they are.
KEPT = ("user_id", "item_id", "status", "percent", "intervals", "watched_seconds",
        "last_position", "first_opened_at", "completed_at", "set_by_id", "set_reason")


def start_new_edition(enrollment: Enrollment, course: Course, now: datetime) -> int | None:
    """Move the enrolment to its next edition and archive the member's progress.

    Returns the new edition, or None when a concurrent request moved it first (the
    conditional ``UPDATE`` on the edition decides; only its winner archives).
    Flushes, never commits.
    """
    edition = enrollment.edition
    ends = now + timedelta(days=course.enrol_window_days) if course.enrol_window_days else None
    moved = db.session.execute(
        update(Enrollment).where(Enrollment.id == enrollment.id, Enrollment.edition == edition)
        .values(edition=edition + 1, completed_at=None, completed_by_id=None,
                completion_reason=None, access_ends_at=ends)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return None
    archive_progress(enrollment.user_id, course.id, edition, now)
    db.session.expire(enrollment)
    return edition + 1


def archive_progress(user_id: int, course_id: int, edition: int, now: datetime) -> int:
    """Copy the member's progress rows of the course to the archive, then delete them.

    SCORM runtime data and cmi5 launches of the course go too: a package of the new
    edition starts afresh (and a cmi5 AU in a new registration), as its progress does.
    """
    items = (select(Item.id).join(Module, Item.module_id == Module.id)
             .where(Module.course_id == course_id))
    mine = (ItemProgress.user_id == user_id) & ItemProgress.item_id.in_(items)
    for model in (PackageRuntime, Cmi5Launch):
        db.session.execute(delete(model).where(model.user_id == user_id,
                                               model.item_id.in_(items))
                           .execution_options(synchronize_session=False))
    stamp = literal(now, ArchivedProgress.archived_at.type)
    source = select(*(getattr(ItemProgress, name) for name in KEPT), literal(course_id),
                    literal(edition), stamp).where(mine)
    db.session.execute(insert(ArchivedProgress).from_select(
        [*KEPT, "course_id", "edition", "archived_at"], source))
    removed = db.session.execute(delete(ItemProgress).where(mine)
                                 .execution_options(synchronize_session=False))
    return removed.rowcount


def archived_progress(user_id: int, course_id: int) -> list[ArchivedProgress]:
    """The member's progress in earlier editions of the course, oldest edition first."""
    return list(db.session.execute(
        select(ArchivedProgress).where(ArchivedProgress.user_id == user_id,
                                       ArchivedProgress.course_id == course_id)
        .order_by(ArchivedProgress.edition, ArchivedProgress.item_id)).scalars())
