"""Progress operations: opening items, progress reports, completion and staff overrides.

Rules (see ``../shared/API.md``):

- Credit and resume position: ``credit`` (how one report changes a row).
- Concurrency: no seconds are credited twice (``rows``): the general path locks the
  progress row; PostgreSQL's common report writes only if the row's revision has
  not moved since it read it, and otherwise takes the general path. The course
  completes with a conditional ``UPDATE`` whose row count decides who sends
  ``course_completed`` (``completion``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update

from lms import metrics, signals
from lms.accounts.models import User
from lms.accounts.tokens import Credential
from lms.catalog.access import (
    can_edit,
    check_unlocked,
    ends_before,
    enrollment_of,
    get_item_for_learner,
    get_open_item,
    get_visible_course,
)
from lms.catalog.models import Course, Enrollment, Item
from lms.database import is_postgres
from lms.errors import Conflict, DomainError, Forbidden, ValidationError
from lms.extensions import autocommit, db, utcnow
from lms.packages import launches, scorm
from lms.progress import cmi5, packages, xapi
from lms.progress.completion import (
    ReportResult,
    complete_course_if_done,
    complete_item,
    mark_row_complete,
)
from lms.progress.credit import VideoReport, credited, video_report_from
from lms.progress.loading import course_progress
from lms.progress.models import ItemProgress
from lms.progress.outline import CourseProgress
from lms.progress.record import record_event
from lms.progress.rows import (
    find_row,
    insert_row,
    locked_row,
    row_of,
    save_video_state,
    video_state,
)

#: A "progressed" statement is recorded each time a video crosses another 10 percent.
EVENT_STEP = 10

def open_item(user: User | None, item_id: int, *, now: datetime | None = None
              ) -> tuple[Item, Enrollment | None, ItemProgress | None]:
    """The item for a learner; a member's first open starts the item's credit clock.

    Returns the item, the member's enrolment and progress row (both None for an
    editor previewing). Raises NotFound, Unauthorized or Forbidden (see access), and
    Conflict for a locked item (opening it would start its clock).
    """
    now = now or utcnow()
    item, enrollment = get_open_item(user, item_id)
    if enrollment is None:
        return item, None, None
    row = find_row(user.id, item.id)
    if row is None or row.first_opened_at is None:
        start_clock(user, item.id, now)
        row = find_row(user.id, item.id, fresh=True)
    return item, enrollment, row


def start_clock(user: User, item_id: int, now: datetime) -> None:
    """Record a member's first open of an item (once, however many requests race)."""
    insert_row(user.id, item_id, now)
    started = db.session.execute(
        update(ItemProgress).where(row_of(user.id, item_id),
                                   ItemProgress.first_opened_at.is_(None))
        .values(first_opened_at=now).execution_options(synchronize_session=False))
    if started.rowcount == 1:
        item = db.session.get(Item, item_id)
        record_event(user, "launched", item.module.course, item, now=now)


def record_video(user: User, item_id: int, report: VideoReport, *,
                 now: datetime | None = None) -> ReportResult:
    """Credit a video progress report (see the module docstring for the rules).

    Raises NotFound/Forbidden (access), Conflict (read-only enrolment, locked item,
    unknown duration) and ValidationError (not a video).
    """
    now = now or utcnow()
    return _credit_video(user, *_progress_target(user, item_id, now), report, now)


def _credit_video(user: User, item: Item, enrollment: Enrollment, course: Course,
                  report: VideoReport, now: datetime) -> ReportResult:
    """Credit ``report`` to the member's progress row, locked for this transaction."""
    duration = _video_duration(item)
    metrics.progress_reported("video")
    row = locked_row(user.id, item.id, now)
    before = row.percent
    _apply_video_report(row, report, duration, now)
    course_done = False
    if row.status != "completed" and row.percent >= item.min_watch_percent:
        mark_row_complete(row, now)
        _record_video_event(user, course, item, row, "completed", duration, now)
        signals.video_completed.send(item.id, user=user, item=item, course=course,
                                     enrollment=enrollment, now=now)
        course_done = complete_course_if_done(user, course, enrollment, now)
    elif row.percent // EVENT_STEP > before // EVENT_STEP:
        _record_video_event(user, course, item, row, "progressed", duration, now)
    db.session.flush()
    return ReportResult(item.id, row.percent, row.status == "completed", row.last_position,
                        course_done)


def _video_duration(item: Item) -> float:
    """The length of a video item. Raises ValidationError (not a video), Conflict (unknown)."""
    if item.kind != "video":
        raise ValidationError("Only video items take played intervals.",
                              errors={"played": ["This item is not a video."]})
    duration = item.media.duration_seconds if item.media else None
    if not duration:
        raise Conflict("This video's length is not known yet, so progress can't be recorded.")
    return duration


def _apply_video_report(row: ItemProgress, report: VideoReport, duration: float,
                        now: datetime) -> None:
    for name, value in credited(row, report, duration, now).items():
        setattr(row, name, value)


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
    return _mark_done(user, *_progress_target(user, item_id, now), now)


def _mark_done(user: User, item: Item, enrollment: Enrollment, course: Course,
               now: datetime) -> ReportResult:
    if item.kind not in ("reading", "file"):
        raise ValidationError("Videos complete by watching and quizzes by passing.",
                              errors={"completed": ["This item can't be marked done by hand."]})
    metrics.progress_reported(item.kind)
    return complete_item(user, item, course, enrollment, now)


def record_package_commit(user: User, item_id: int, body: dict, *,
                          now: datetime | None = None) -> ReportResult:
    """Keep a SCORM package's runtime data and derive the item's progress (``packages``).

    Raises NotFound/Forbidden (access), Conflict (read-only, locked), ValidationError
    (not a SCORM item, bad body) and TooLarge.
    """
    now = now or utcnow()
    item, enrollment, course = _progress_target(user, item_id, now)
    return packages.record_commit(user, item, enrollment, course, body, now=now)


def package_resume(user: User, item_id: int, *, now: datetime | None = None
                   ) -> tuple[str, dict]:
    """The SCORM standard of a package item and the ``cmi`` its runtime starts from.

    Raises what ``record_package_commit`` raises for access and kind.
    """
    now = now or utcnow()
    item, _, _ = _progress_target(user, item_id, now)
    standard = packages.scorm_content(item).standard
    return standard, packages.resume_data(user, item, standard)


def new_cmi5_launch(user: User, item_id: int, *, now: datetime | None = None) -> dict:
    """Launch parameters of a cmi5 package item for the member (``cmi5.new_launch``).

    Raises NotFound/Forbidden (access, not cmi5), Conflict (read-only, locked).
    """
    now = now or utcnow()
    item, _, _ = _progress_target(user, item_id, now)
    return cmi5.new_launch(user, item, now)


def package_launcher(token: str, *, now: datetime | None = None
                     ) -> tuple[launches.Launch, dict]:
    """What a launch token's launcher page starts: the package (which its member may open
    now) and the runtime's settings: ``standard``, ``records`` (their progress is
    recorded: enrolled, not read-only) and, for SCORM, the ``cmi`` it resumes from.

    Raises what ``launches.read`` and ``scorm.get_for_learner`` raise (NotFound,
    Forbidden, Conflict for a locked item).
    """
    now = now or utcnow()
    launch = launches.read(token)
    scorm.get_for_learner(launch.user, launch.content.id)
    try:
        _progress_target(launch.user, launch.item.id, now)
    except DomainError:
        records = False
    else:
        records = True
    standard = launch.content.standard
    cmi = (packages.resume_data(launch.user, launch.item, standard)
           if records and standard != "cmi5" else None)
    return launch, {"standard": standard, "records": records, "cmi": cmi}


def launch_resume(token: str, *, now: datetime | None = None) -> tuple[str, dict]:
    """``package_resume`` for the member and item of a launch token."""
    launch = launches.read(token)
    return package_resume(launch.user, launch.item.id, now=now)


def launch_commit(token: str, body: dict, *, now: datetime | None = None) -> ReportResult:
    """``record_package_commit`` for the member and item of a launch token."""
    launch = launches.read(token)
    return record_package_commit(launch.user, launch.item.id, body, now=now)


def launch_cmi5(token: str, *, now: datetime | None = None) -> dict:
    """``new_cmi5_launch`` for the member and item of a launch token."""
    launch = launches.read(token)
    return new_cmi5_launch(launch.user, launch.item.id, now=now)


def cmi5_statements(launch_id: str, authorization: str | None, body, *,
                    now: datetime | None = None) -> list[str]:
    """Statements an AU sends with its launch's token (``cmi5.record_statements``).

    Progress is recorded under the same rules as every item (enrolled, not read-only,
    unlocked). Raises Unauthorized, Forbidden, BadRequest, Conflict.
    """
    launch = cmi5.authorised_launch(launch_id, authorization)
    return cmi5.record_statements(
        launch, body, lambda user, item, at: _progress_target(user, item.id, at), now=now)


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


def complete_evaluation_item(user: User, item_id: int, *, now: datetime
                             ) -> ReportResult | None:
    """Complete an evaluation the member submitted (on ``evaluation_submitted``)."""
    item = db.session.get(Item, item_id)
    course = item.module.course if item is not None else None
    enrollment = enrollment_of(user, course) if course is not None else None
    if enrollment is None:
        return None
    return complete_item(user, item, course, enrollment, now)


def _progress_target(user: User, item_id: int, now: datetime
                     ) -> tuple[Item, Enrollment, Course]:
    """The item a member may record progress on, with their enrolment and the course."""
    item, enrollment = get_item_for_learner(user, item_id)
    return _checked_target(user, item, enrollment, now)


def _checked_target(user: User, item: Item, enrollment: Enrollment | None, now: datetime
                    ) -> tuple[Item, Enrollment, Course]:
    """Raise unless ``user`` may record progress on ``item`` now (enrolled, not ended, not
    locked); the item, enrolment and course otherwise."""
    course = item.module.course
    if enrollment is None:
        raise Forbidden("Preview mode: progress is not recorded for editors who aren't enrolled.")
    if enrollment.access_ends_at and enrollment.access_ends_at <= now:
        ended = enrollment.access_ends_at.strftime("%d %B %Y")
        raise Conflict(f"Your access to this course ended on {ended}. You can review it, "
                       "but progress is no longer recorded.")
    check_unlocked(user, item, enrollment)
    return item, enrollment, course


def record_report(user: User, item_id: int, data: dict, *,
                  now: datetime | None = None) -> ReportResult:
    """Record a report body for any item kind: videos send intervals, others ``completed``.

    Raises what ``record_video`` and ``mark_done`` raise; ValidationError for a bad body.
    """
    now = now or utcnow()
    target = _progress_target(user, item_id, now)
    kind = target[0].kind
    if kind == "video":
        return _credit_video(user, *target, video_report_from(data), now)
    if kind in ("reading", "file") and data.get("completed") is not True:
        raise ValidationError("Send {\"completed\": true} to mark this item done.",
                              errors={"completed": ["Must be true."]})
    return _mark_done(user, *target, now)


def record_report_quickly(credential: Credential | None, item_id: int,
                          read_body: Callable[[], dict], *, now: datetime | None = None
                          ) -> ReportResult | None:
    """PostgreSQL: the common report, committed in two statements on plain columns; or None.

    Most reports of a webinar audience only add seconds: an open video of a published
    course without locks, nothing completed and no 10 % step crossed. One statement
    confirms the caller's credential (``rows.video_state``), checks the enrolment and
    reads the row with everything the rules need; one ``UPDATE`` saves it if no other
    write came in between (``rows.save_video_state``). Each is its own transaction on
    an autocommit connection: no lock, no ``BEGIN`` or ``COMMIT`` round trips, no ORM
    session. ``read_body`` is called only once the caller is confirmed. None for
    anything else, having written nothing: the caller then runs
    :func:`record_report` with the authenticated member, which locks and reads the
    row again.
    """
    if credential is None or not is_postgres():
        return None
    now = now or utcnow()
    with autocommit(db.engine).connect() as conn:
        found = video_state(conn, credential, item_id, now)
        if (found is None or found.course_status != "published" or found.in_order
                or found.prerequisite_id is not None or not found.duration_seconds
                or ends_before(found.access_ends_at, now)):
            return None
        values = credited(found, video_report_from(read_body()), found.duration_seconds, now)
        completes = (found.status != "completed"
                     and values["percent"] >= found.min_watch_percent)
        if completes or values["percent"] // EVENT_STEP > found.percent // EVENT_STEP:
            return None
        if not save_video_state(conn, found, values):
            return None
    metrics.progress_reported("video")
    return ReportResult(item_id, values["percent"], values["status"] == "completed",
                        values["last_position"], False)


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
