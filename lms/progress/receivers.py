"""Progress listens to quizzes (passed, failed) and catalog (enrolled), and tells catalog
which items are locked (``catalog.access.register_item_gate``) and how far a member is
through a course (``catalog.service.register_progress_source``)."""

from __future__ import annotations

from lms import signals


def connect() -> None:
    from lms.catalog.access import register_item_gate
    from lms.catalog.service import ProgressSource, register_progress_source
    from lms.progress.kept import progress_stamp
    from lms.progress.loading import item_lock_reason
    from lms.progress.pages import course_page_summary

    register_item_gate(item_lock_reason)
    register_progress_source(ProgressSource(progress_stamp, course_page_summary))
    signals.quiz_passed.connect(on_quiz_passed)
    signals.quiz_failed.connect(on_quiz_failed)
    signals.evaluation_submitted.connect(on_evaluation_submitted)
    signals.member_enrolled.connect(on_member_enrolled)


def on_quiz_passed(item_id: int, *, user, score_percent: float, now, **_) -> None:
    """A passed quiz completes its item (and maybe the course)."""
    from lms.progress.service import complete_quiz_item

    complete_quiz_item(user, item_id, score_percent, now=now)


def on_evaluation_submitted(item_id: int, *, user, now, **_) -> None:
    """A submitted evaluation completes its item (and maybe the course)."""
    from lms.progress.service import complete_evaluation_item

    complete_evaluation_item(user, item_id, now=now)


def on_quiz_failed(item_id: int, *, user, score_percent: float, now, **_) -> None:
    from lms.catalog.models import Item
    from lms.extensions import db
    from lms.progress.record import record_event

    item = db.session.get(Item, item_id)
    if item is not None:
        record_event(user, "failed", item.module.course, item, now=now, result={
            "success": False, "score": {"scaled": round(score_percent / 100, 4)}})


def on_member_enrolled(course_id: int, *, user, now, **_) -> None:
    from lms.catalog.models import Course
    from lms.extensions import db
    from lms.progress.record import record_event

    course = db.session.get(Course, course_id)
    if course is not None:
        record_event(user, "registered", course, now=now)
