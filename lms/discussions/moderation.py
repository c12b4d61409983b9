"""Moderation: reports, hiding, holding for review, locking, and the queue moderators see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor
from lms.database import upsert_insert
from lms.discussions import notify
from lms.discussions.models import Post, PostReport, Thread
from lms.discussions.service import (
    Seat,
    opening_post_id,
    post_seat,
    recount,
    thread_seat,
    touch,
)
from lms.errors import Forbidden, Unauthorized, ValidationError
from lms.extensions import db, utcnow
from lms.text import TextError, clean_text


def _moderator(place: Seat) -> None:
    if not place.is_moderator:
        raise Forbidden("Only the course's instructors and staff moderate its discussions.")


def report(user: User | None, post_id: int, reason) -> None:
    """Report a post to the moderators (once per member and post). Raises ValidationError."""
    post, _thread, place = post_seat(user, post_id)
    try:
        reason = clean_text(reason, max_length=500, required=True)
    except TextError as exc:
        raise ValidationError("Invalid input.", errors={"reason": [str(exc)]}) from None
    db.session.execute(upsert_insert(PostReport.__table__).values(
        post_id=post.id, reporter_id=place.user.id, reason=reason, created_at=utcnow())
        .on_conflict_do_nothing())


def set_hidden(user: User | None, post_id: int, hidden: bool) -> Post:
    """Hide a post from members (or show it again); its open reports are resolved."""
    post, thread, place = post_seat(user, post_id)
    _moderator(place)
    post.status = "hidden" if hidden else "visible"
    touch(thread)
    _follow_opening(post, thread)
    recount(thread)
    _resolve(post.id)
    db.session.flush()
    return post


def approve(user: User | None, post_id: int) -> Post:
    """Let a held post through; it then notifies as a new post would."""
    post, thread, place = post_seat(user, post_id)
    _moderator(place)
    if post.status == "held":
        post.status = "visible"
        touch(thread)
        opening = _follow_opening(post, thread)
        thread.last_post_at = max(thread.last_post_at, post.created_at)
        recount(thread)
        if opening and thread.is_announcement:
            notify.announce(thread)
        elif not opening:
            notify.reply_posted(post, thread)
    return post


def _follow_opening(post: Post, thread: Thread) -> bool:
    """A thread shares its opening post's status; True when ``post`` opens ``thread``."""
    if opening_post_id(thread.id) == post.id:
        thread.status = post.status
        return True
    return False


def _resolve(post_id: int) -> None:
    db.session.execute(update(PostReport).where(
        PostReport.post_id == post_id, PostReport.resolved_at.is_(None))
        .values(resolved_at=utcnow()).execution_options(synchronize_session=False))


def dismiss_reports(user: User | None, post_id: int) -> None:
    _post, _thread, place = post_seat(user, post_id)
    _moderator(place)
    _resolve(post_id)


def set_locked(user: User | None, thread_id: int, locked: bool) -> Thread:
    thread, place = thread_seat(user, thread_id)
    _moderator(place)
    thread.is_locked = locked
    touch(thread)
    db.session.flush()
    return thread


@dataclass(frozen=True)
class QueueEntry:
    post_id: int
    thread_id: int
    thread_title: str
    course_title: str
    author: str
    body_html: str
    status: str
    created_at: datetime
    reports: int
    reasons: str | None


def queue(user: User | None, course_id: int | None = None) -> list[QueueEntry]:
    """Held posts and posts with open reports in the courses the user moderates (staff:
    every course), oldest first. Raises Unauthorized, Forbidden."""
    if user is None:
        raise Unauthorized("Log in first.")
    if not user.can_teach:
        raise Forbidden("Only instructors and staff moderate discussions.")
    open_reports = (select(PostReport.post_id, func.count().label("reports"),
                           func.max(PostReport.reason).label("reasons"))
                    .where(PostReport.resolved_at.is_(None)).group_by(PostReport.post_id)
                    .subquery())
    stmt = (select(Post.id.label("post_id"), Thread.id.label("thread_id"),
                   Thread.title.label("thread_title"), Course.title.label("course_title"),
                   User.name.label("author"), Post.body_html, Post.status, Post.created_at,
                   func.coalesce(open_reports.c.reports, 0).label("reports"),
                   open_reports.c.reasons)
            .join(Thread, Thread.id == Post.thread_id).join(Course, Course.id == Thread.course_id)
            .join(User, User.id == Post.author_id)
            .outerjoin(open_reports, open_reports.c.post_id == Post.id)
            .where(or_(Post.status == "held", open_reports.c.reports > 0))
            .order_by(Post.created_at).limit(200))
    if course_id is not None:
        stmt = stmt.where(Thread.course_id == course_id)
    if not user.is_admin:
        stmt = stmt.where(Thread.course_id.in_(select(CourseInstructor.course_id).where(
            CourseInstructor.user_id == user.id)))
    return [QueueEntry(**row._mapping) for row in db.session.execute(stmt)]
