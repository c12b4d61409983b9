"""Progress operations: opening items, progress reports, completion and staff overrides.

Rules (see ``../shared/API.md``):

- Credit: a video's coverage is the union of accepted played intervals, clamped to
  its duration. New coverage is paid from an allowance of twice the wall-clock time
  since the member first opened the item, less what was already credited. For one
  report after another that is exactly "at most 2× the time since the previous
  report (or the first GET)"; unused allowance carries over, so reports that arrive
  together or out of order lose nothing — and a forger gains nothing, since they
  could always have waited and sent one report.
- Resume position: moves forward with any report, and back only when the report
  says ``seek: true`` (the member rewound on purpose). A late report of 0:00 after
  5:00 therefore leaves 5:00.
- Concurrency: each report locks its progress row (``SELECT … FOR UPDATE`` on
  PostgreSQL; on SQLite a first ``UPDATE`` takes the database's write lock), and
  the course completes with a conditional ``UPDATE`` whose row count decides who
  sends ``course_completed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import attributes, joinedload

from lms import signals
from lms.accounts.models import User
from lms.catalog.access import can_edit, get_item_for_learner, get_visible_course
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.errors import Conflict, Forbidden, ValidationError
from lms.extensions import db, utcnow
from lms.progress import intervals as iv
from lms.progress import xapi
from lms.progress.loading import course_progress
from lms.progress.models import ItemProgress
from lms.progress.outline import CourseProgress
from lms.progress.record import record_event

MAX_INTERVALS = 500
MAX_SECONDS = 7 * 24 * 3600
#: A "progressed" statement is recorded each time a video crosses another 10 percent.
EVENT_STEP = 10


@dataclass(frozen=True)
class VideoReport:
    position: float
    played: list[tuple[float, float]]
    seek: bool = False


@dataclass(frozen=True)
class ReportResult:
    item_id: int
    percent: int
    completed: bool
    position: float
    course_completed: bool


def video_report_from(data: dict) -> VideoReport:
    """Validate a report body ``{position, played: [[s, e], …], seek?}``.

    Raises ValidationError naming each bad field (nothing is changed by a bad report).
    """
    errors: dict[str, list[str]] = {}
    position = _seconds(data.get("position", 0), "position", errors)
    played_raw = data.get("played")
    played: list[tuple[float, float]] = []
    if played_raw is None:
        errors["played"] = ["Required: the [start, end] seconds played since the last report."]
    elif not isinstance(played_raw, list) or len(played_raw) > MAX_INTERVALS:
        errors.setdefault("played", []).append(
            f"Must be a list of at most {MAX_INTERVALS} [start, end] pairs.")
    else:
        for pair in played_raw:
            if not isinstance(pair, list) or len(pair) != 2:
                errors.setdefault("played", []).append("Each entry must be [start, end].")
                break
            start, end = (_seconds(value, "played", errors) for value in pair)
            if start > end:
                errors.setdefault("played", []).append("An interval ends before it starts.")
                break
            played.append((start, end))
    if not isinstance(data.get("seek", False), bool):
        errors["seek"] = ["Must be true or false."]
    if errors:
        raise ValidationError("The progress report is not valid.", errors=errors)
    return VideoReport(position=position, played=played, seek=data.get("seek", False))


def _seconds(value: object, name: str, errors: dict[str, list[str]]) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        errors.setdefault(name, []).append(f"Must be a number of seconds from 0 to {MAX_SECONDS}.")
        return 0.0
    return float(value)


def open_item(user: User | None, item_id: int, *, now: datetime | None = None
              ) -> tuple[Item, Enrollment | None, ItemProgress | None]:
    """The item for a learner; a member's first open starts the item's credit clock.

    Returns the item, the member's enrolment and progress row (both None for an
    editor previewing). Raises NotFound, Unauthorized or Forbidden (see access).
    """
    now = now or utcnow()
    item, enrollment = get_item_for_learner(user, item_id)
    if enrollment is None:
        return item, None, None
    row = _find_row(user.id, item.id)
    if row is None or row.first_opened_at is None:
        _insert_row(user.id, item.id, now)
        started = db.session.execute(
            update(ItemProgress).where(_row_of(user.id, item.id),
                                       ItemProgress.first_opened_at.is_(None))
            .values(first_opened_at=now).execution_options(synchronize_session=False))
        if started.rowcount == 1:
            record_event(user, "launched", item.module.course, item, now=now)
        row = _find_row(user.id, item.id, fresh=True)
    return item, enrollment, row


def record_video(user: User, item_id: int, report: VideoReport, *,
                 now: datetime | None = None) -> ReportResult:
    """Credit a video progress report (see the module docstring for the rules).

    Raises NotFound/Forbidden (access), Conflict (read-only enrolment, locked item,
    unknown duration) and ValidationError (not a video).
    """
    now = now or utcnow()
    item, enrollment, course = _progress_target(user, item_id, now)
    duration = item.media.duration_seconds if item.media else None
    if item.kind != "video":
        raise ValidationError("Only video items take played intervals.",
                              errors={"played": ["This item is not a video."]})
    if not duration:
        raise Conflict("This video's length is not known yet, so progress can't be recorded.")
    row = _locked_row(user.id, item.id, now)
    before = row.percent
    _apply_video_report(row, report, duration, now)
    newly_done = row.status != "completed" and row.percent >= item.min_watch_percent
    if newly_done:
        _mark_row_complete(row, now)
    elif row.percent // EVENT_STEP > before // EVENT_STEP:
        _record_video_event(user, course, item, row, "progressed", duration, now)
    course_done = False
    if newly_done:
        _record_video_event(user, course, item, row, "completed", duration, now)
        course_done = _complete_course_if_done(user, course, enrollment, now)
    db.session.flush()
    return ReportResult(item.id, row.percent, row.status == "completed", row.last_position,
                        course_done)


def _apply_video_report(row: ItemProgress, report: VideoReport, duration: float,
                        now: datetime) -> None:
    if row.first_opened_at is None:
        row.first_opened_at = now
    elapsed = max(0.0, (now - row.first_opened_at).total_seconds())
    budget = max(0.0, 2 * elapsed - row.watched_seconds)
    existing = [(start, end) for start, end in row.intervals or []]
    union, _ = iv.credit(existing, report.played, duration, budget)
    row.intervals = [[start, end] for start, end in union]
    row.watched_seconds = iv.covered(union)
    row.percent = min(100, math.floor(100 * row.watched_seconds / duration + 1e-9))
    position = min(report.position, duration)
    if report.seek or position > row.last_position:
        row.last_position = position
    if row.status == "not_started" and (row.watched_seconds > 0 or row.last_position > 0):
        row.status = "in_progress"
    row.last_report_at = row.updated_at = now


def _record_video_event(user: User, course: Course, item: Item, row: ItemProgress, verb: str,
                        duration: float, now: datetime) -> None:
    result = xapi.video_result(row.intervals, row.percent / 100, row.last_position)
    if verb == "completed":
        result["completion"] = True
    record_event(user, verb, course, item, now=now, result=result,
                 extensions={xapi.VIDEO_EXT + "length": duration})


def mark_done(user: User, item_id: int, *, now: datetime | None = None) -> ReportResult:
    """A member marks a reading or file item done (or downloads the file).

    Raises NotFound/Forbidden (access), Conflict (read-only, locked) and
    ValidationError for videos and quizzes, which complete by watching or passing.
    """
    now = now or utcnow()
    item, enrollment, course = _progress_target(user, item_id, now)
    if item.kind not in ("reading", "file"):
        raise ValidationError("Videos complete by watching and quizzes by passing.",
                              errors={"completed": ["This item can't be marked done by hand."]})
    return complete_item(user, item, course, enrollment, now)


def complete_quiz_item(user: User, item_id: int, score_percent: float, *,
                       now: datetime) -> ReportResult | None:
    """Complete a quiz item the member passed (called on ``quiz_passed``); None if not enrolled."""
    item = db.session.get(Item, item_id)
    if item is None:
        return None
    course = item.module.course
    enrollment = enrollment_of(user, course)
    if enrollment is None:
        return None
    record_event(user, "passed", course, item, now=now,
                 result={"success": True, "score": {"scaled": round(score_percent / 100, 4)}})
    return complete_item(user, item, course, enrollment, now)


def complete_item(user: User, item: Item, course: Course, enrollment: Enrollment,
                   now: datetime, *, by: User | None = None,
                   reason: str | None = None) -> ReportResult:
    row = _locked_row(user.id, item.id, now)
    course_done = False
    if row.status != "completed":
        row.percent = 100
        row.set_by_id, row.set_reason = (by.id if by else None), reason
        _mark_row_complete(row, now)
        record_event(user, "completed", course, item, now=now, result={"completion": True})
        course_done = _complete_course_if_done(user, course, enrollment, now)
    db.session.flush()
    return ReportResult(item.id, row.percent, True, row.last_position, course_done)


def _mark_row_complete(row: ItemProgress, now: datetime) -> None:
    row.status = "completed"
    row.completed_at = now
    row.updated_at = now


def _complete_course_if_done(user: User, course: Course, enrollment: Enrollment,
                             now: datetime) -> bool:
    """Complete the course once every required item is; True for the one caller that did."""
    if enrollment.completed_at is not None:
        return False
    # Serialise completions of different items of one course (PostgreSQL), so the
    # last of two simultaneous completions sees the other's row.
    _lock(select(Enrollment.id).where(Enrollment.id == enrollment.id))
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


def _progress_target(user: User, item_id: int, now: datetime
                     ) -> tuple[Item, Enrollment, Course]:
    """The item a member may record progress on, with their enrolment and the course."""
    item, enrollment = get_item_for_learner(user, item_id)
    course = item.module.course
    if enrollment is None:
        raise Forbidden("Preview mode: progress is not recorded for editors who aren't enrolled.")
    if enrollment.access_ends_at and enrollment.access_ends_at <= now:
        ended = enrollment.access_ends_at.strftime("%d %B %Y")
        raise Conflict(f"Your access to this course ended on {ended}. You can review it, "
                       "but progress is no longer recorded.")
    if course.in_order or item.module.prerequisite_id is not None:
        status = course_progress(user, course, enrollment=enrollment).item(item.id)
        if status is not None and status.locked:
            raise Conflict(f"This item is locked. {status.lock_reason}")
    return item, enrollment, course


def enrollment_of(user: User, course: Course) -> Enrollment | None:
    return db.session.execute(select(Enrollment).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id)).scalar_one_or_none()


def _row_of(user_id: int, item_id: int):
    return (ItemProgress.user_id == user_id) & (ItemProgress.item_id == item_id)


def _find_row(user_id: int, item_id: int, fresh: bool = False) -> ItemProgress | None:
    query = select(ItemProgress).where(_row_of(user_id, item_id))
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _insert_row(user_id: int, item_id: int, now: datetime) -> None:
    """Create the progress row unless it exists (safe when two requests race)."""
    if _dialect() == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(ItemProgress).values(user_id=user_id, item_id=item_id, status="not_started",
                                    intervals=[], updated_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "item_id"]))


def _lock(query):
    """Run ``query`` holding a write lock: the row on PostgreSQL, the database on SQLite."""
    if _dialect() == "postgresql":
        return db.session.execute(query.with_for_update())
    # pysqlite starts the transaction at the first write: a no-op UPDATE takes the
    # write lock before we read, so concurrent writers queue instead of racing.
    db.session.execute(update(Enrollment).where(Enrollment.id == -1).values(completed_at=None)
                       .execution_options(synchronize_session=False))
    return db.session.execute(query)


def _locked_row(user_id: int, item_id: int, now: datetime) -> ItemProgress:
    """The member's progress row for the item, locked for this transaction."""
    query = (select(ItemProgress).where(_row_of(user_id, item_id))
             .execution_options(populate_existing=True))
    row = _lock(query).scalar_one_or_none()
    if row is None:
        _insert_row(user_id, item_id, now)
        row = _lock(query).scalar_one()
    return row


def record_report(user: User, item_id: int, data: dict, *,
                  now: datetime | None = None) -> ReportResult:
    """Record a report body for any item kind: videos send intervals, others ``completed``.

    Raises what ``record_video`` and ``mark_done`` raise; ValidationError for a bad body.
    """
    item = db.session.get(Item, item_id, options=[
        joinedload(Item.module).joinedload(Module.course), joinedload(Item.media)])
    if item is not None and item.kind == "video":
        return record_video(user, item_id, video_report_from(data), now=now)
    if item is not None and item.kind in ("reading", "file") and data.get("completed") is not True:
        raise ValidationError("Send {\"completed\": true} to mark this item done.",
                              errors={"completed": ["Must be true."]})
    return mark_done(user, item_id, now=now)


def my_course_progress(user: User, course_id: int) -> CourseProgress:
    """A member's own progress in a course they are enrolled in.

    Raises NotFound (no such course, or not visible) and Forbidden (not enrolled).
    """
    course = get_visible_course(user, course_id)
    enrollment = enrollment_of(user, course)
    if enrollment is None:
        raise Forbidden("Enrol in the course to see your progress.")
    return course_progress(user, course, enrollment=enrollment)


def is_editor_preview(user: User, course: Course, enrollment: Enrollment | None) -> bool:
    return enrollment is None and can_edit(user, course)

