"""Threads and posts: who may read and write them, and what each action does.

Only enrolled members, the course's instructors and staff take part; everyone else
gets NotFound (they may not learn a discussion exists). Moderators (the course's
instructors and staff) also see hidden and held posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import Integer, String, bindparam, delete, func, select, update
from sqlalchemy.orm import load_only

from lms import ratelimit
from lms.accounts.models import User
from lms.catalog import access
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Course, CourseInstructor, Enrollment, Item, Module
from lms.database import upsert_insert
from lms.discussions import notify
from lms.discussions.models import (
    THREAD_KINDS,
    DiscussionSetting,
    Post,
    PostRevision,
    PostVote,
    Thread,
)
from lms.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthorized, ValidationError
from lms.extensions import db, utcnow
from lms.text import TextError, clean_text

LINK_REL = "nofollow ugc noopener"
MAX_TITLE = 200
MAX_BODY = 20_000


@dataclass(frozen=True)
class Seat:
    """Who is acting in a course's discussions, and as what."""

    user: User
    course: Course
    is_moderator: bool
    #: The course holds new members' first posts for review (its DiscussionSetting).
    hold_first_posts: bool = False


def seat(user: User | None, course_id: int | None = None, *, slug: str | None = None) -> Seat:
    """The user's place in the course (by id or slug); raises Unauthorized or NotFound.

    One statement: the course, whether the user teaches it, their enrolment and the
    course's discussion setting.
    """
    if user is None:
        raise Unauthorized("Log in first.")
    by, key = ("slug", slug) if slug is not None else ("id", course_id)
    row = db.session.execute(_seat_statement(by), {"user_id": user.id, "key": key}).first()
    if row is None:
        raise NotFound("No such course.")
    return _checked_seat(user, row)


def thread_seat(user: User | None, thread_id: int) -> tuple[Thread, Seat]:
    """A thread the user may read (hidden or held ones only for moderators and their author).

    One statement for the thread and the user's place in its course.
    """
    if user is None:
        raise Unauthorized("Log in first.")
    row = db.session.execute(_seat_statement("thread"),
                             {"user_id": user.id, "key": thread_id}).first()
    if row is None:
        raise NotFound("No such thread.")
    place = _checked_seat(user, row)
    thread = row.Thread
    if not can_read(place, thread.status, thread.author_id):
        raise NotFound("No such thread.")
    return thread, place


@cache
def _seat_statement(by: str):
    """Built once per ``by`` (id, slug or thread): a statement reused skips SQLAlchemy's
    construction."""
    user_id = bindparam("user_id", type_=Integer)
    teaches = select(CourseInstructor.user_id).where(
        CourseInstructor.course_id == Course.id, CourseInstructor.user_id == user_id).exists()
    stmt = (select(Course, teaches.label("teaches"), Enrollment.id.label("enrollment_id"),
                   DiscussionSetting.hold_first_posts)
            .outerjoin(Enrollment, (Enrollment.course_id == Course.id)
                       & (Enrollment.user_id == user_id))
            .outerjoin(DiscussionSetting, DiscussionSetting.course_id == Course.id)
            # Discussion pages show the course's title; its long texts load only if asked.
            .options(load_only(Course.id, Course.slug, Course.title, Course.status)))
    if by == "slug":
        return stmt.where(Course.slug == bindparam("key", type_=String))
    if by == "thread":
        return stmt.add_columns(Thread).join(Thread, Thread.course_id == Course.id).where(
            Thread.id == bindparam("key", type_=Integer))
    return stmt.where(Course.id == bindparam("key", type_=Integer))


def _checked_seat(user: User, row) -> Seat:
    """The rules of :func:`lms.catalog.access.can_see`, ``can_edit`` and enrolment, on a row."""
    course = row.Course
    moderator = user.is_admin or bool(row.teaches)
    if not (course.status == "published" or moderator):
        raise NotFound("No such course.")
    if not moderator and row.enrollment_id is None:
        raise NotFound("No such course.")
    return Seat(user, course, moderator, bool(row.hold_first_posts))


def post_seat(user: User | None, post_id: int) -> tuple[Post, Thread, Seat]:
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound("No such post.")
    thread, place = thread_seat(user, post.thread_id)
    if not can_read(place, post.status, post.author_id):
        raise NotFound("No such post.")
    return post, thread, place


def touch(thread: Thread) -> None:
    """Mark the thread changed: rendered copies of its page are now stale."""
    thread.version = Thread.version + 1


def recount(thread: Thread) -> None:
    """Count the thread's visible posts and their votes again, after a change to them.

    Runs after :func:`touch` has been flushed (the session flushes before it): the
    thread's row is then locked, so changes to one thread's posts are counted one
    transaction after another.
    """
    db.session.execute(counts_update().where(Thread.id == thread.id)
                       .execution_options(synchronize_session=False))
    db.session.expire(thread, ["post_count", "vote_count"])


def counts_update():
    """``UPDATE`` of threads' kept counts from their posts (add a ``where``)."""
    visible = (Post.thread_id == Thread.id) & (Post.status == "visible")
    return update(Thread).values(
        post_count=select(func.count(Post.id)).where(visible).scalar_subquery(),
        vote_count=select(func.coalesce(func.sum(Post.vote_count), 0)).where(visible)
        .scalar_subquery())


def can_read(place: Seat, status: str, author_id: int) -> bool:
    return status == "visible" or place.is_moderator or (
        status == "held" and author_id == place.user.id)


def _text(value, field: str, max_length: int, *, multiline: bool = False) -> str:
    try:
        return clean_text(value, max_length=max_length, required=True, multiline=multiline)
    except TextError as exc:
        raise ValidationError("Invalid input.", errors={field: [str(exc)]}) from None


def _check_rate(user: User) -> None:
    if not ratelimit.allow("discussion-post", str(user.id),
                           current_app.config["DISCUSSION_POST_LIMIT"]):
        raise RateLimited("You are posting very quickly; wait a minute and try again.")


def _item_of(course: Course, item_id) -> int | None:
    if item_id in (None, ""):
        return None
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        raise ValidationError("Invalid input.", errors={"item_id": ["Must be an item id."]})
    found = db.session.execute(select(Item.id).join(Module).where(
        Item.id == item_id, Module.course_id == course.id)).scalar()
    if found is None:
        raise ValidationError("Invalid input.", errors={"item_id": ["No such item here."]})
    return found


def create_thread(user: User | None, course_id: int, *, title, body, kind,
                  item_id=None, announce: bool = False) -> Thread:
    """Start a thread with its opening post; ``announce`` (instructors only) tells everyone.

    Raises NotFound, ValidationError, Forbidden (announcing without teaching), RateLimited.
    """
    place = seat(user, course_id)
    if kind not in THREAD_KINDS:
        raise ValidationError("Invalid input.", errors={"kind": ["question or discussion."]})
    if announce and not place.is_moderator:
        raise Forbidden("Only the course's instructors post announcements.")
    title = _text(title, "title", MAX_TITLE)
    body = _text(body, "body", MAX_BODY, multiline=True)
    item = _item_of(place.course, item_id)
    _check_rate(place.user)
    thread = Thread(course_id=place.course.id, item_id=item, author_id=place.user.id,
                    kind=kind, title=title, is_announcement=bool(announce))
    db.session.add(thread)
    db.session.flush()
    post = _new_post(place, thread, body)
    thread.status = post.status
    recount(thread)
    if announce and post.status == "visible":
        notify.announce(thread)
    return thread


def add_post(user: User | None, thread_id: int, body) -> Post:
    """Reply in a thread. Raises NotFound, ValidationError, Conflict (locked), RateLimited."""
    thread, place = thread_seat(user, thread_id)
    body = _text(body, "body", MAX_BODY, multiline=True)
    if thread.is_locked:
        raise Conflict("This thread is locked: it takes no new posts.")
    _check_rate(place.user)
    post = _new_post(place, thread, body)
    touch(thread)
    recount(thread)
    if post.status == "visible":
        thread.last_post_at = post.created_at
        notify.reply_posted(post, thread)
    return post


def _new_post(place: Seat, thread: Thread, body: str) -> Post:
    status = "held" if _held(place) else "visible"
    post = Post(thread_id=thread.id, author_id=place.user.id, body=body,
                body_html=str(render_markdown(body, link_rel=LINK_REL)), status=status,
                by_instructor=access.is_instructor_of(place.user, place.course),
                created_at=utcnow())
    db.session.add(post)
    db.session.flush()
    return post


def _held(place: Seat) -> bool:
    """A new member's first post waits for review when the course asks for that."""
    if place.is_moderator:
        return False
    setting = db.session.get(DiscussionSetting, place.course.id)
    if setting is None or not setting.hold_first_posts:
        return False
    earlier = db.session.execute(select(Post.id).join(Thread, Thread.id == Post.thread_id).where(
        Thread.course_id == place.course.id, Post.author_id == place.user.id,
        Post.status == "visible").limit(1)).first()
    return earlier is None


def edit_post(user: User | None, post_id: int, body) -> Post:
    """The author rewrites a post; the previous text is kept as a revision."""
    post, thread, place = post_seat(user, post_id)
    if post.author_id != place.user.id:
        raise Forbidden("Only its author can edit a post.")
    touch(thread)
    body = _text(body, "body", MAX_BODY, multiline=True)
    if body != post.body:
        db.session.add(PostRevision(post_id=post.id, body=post.body, editor_id=place.user.id))
        post.body = body
        post.body_html = str(render_markdown(body, link_rel=LINK_REL))
        post.edited_at = utcnow()
    db.session.flush()
    return post


def vote(user: User | None, post_id: int) -> int:
    """Vote for a post, or take one's vote back; returns the post's votes.

    One vote per member whatever the concurrency: the vote row's primary key decides,
    and the count moves in the same transaction as the row.
    """
    post, thread, place = post_seat(user, post_id)
    if post.author_id == place.user.id:
        raise Forbidden("You cannot vote for your own post.")
    touch(thread)
    inserted = db.session.execute(upsert_insert(PostVote.__table__).values(
        post_id=post.id, user_id=place.user.id, created_at=utcnow())
        .on_conflict_do_nothing().returning(PostVote.__table__.c.post_id)).first() is not None
    if not inserted:
        db.session.execute(delete(PostVote).where(PostVote.post_id == post.id,
                                                  PostVote.user_id == place.user.id))
    step = 1 if inserted else -1
    votes = db.session.execute(update(Post).where(Post.id == post.id).values(
        vote_count=Post.vote_count + step).returning(Post.vote_count)
        .execution_options(synchronize_session=False)).scalar_one()
    recount(thread)
    return votes


def accept(user: User | None, post_id: int) -> Thread:
    """Mark a reply as the answer (the asker or a moderator); the author is told."""
    post, thread, place = post_seat(user, post_id)
    if thread.author_id != place.user.id and not place.is_moderator:
        raise Forbidden("Only the asker or an instructor can accept an answer.")
    if post.status != "visible":
        raise Conflict("Only a visible post can be the answer.")
    if post.id == opening_post_id(thread.id):
        raise Conflict("The question cannot be its own answer.")
    if thread.accepted_post_id != post.id:
        thread.accepted_post_id = post.id
        touch(thread)
        if post.author_id != place.user.id:
            notify.answer_accepted(post, thread)
    db.session.flush()
    return thread


def opening_post_id(thread_id: int) -> int | None:
    return db.session.execute(select(func.min(Post.id)).where(
        Post.thread_id == thread_id)).scalar_one()


def set_hold_first_posts(user: User | None, course_id: int, hold: bool) -> None:
    access.get_editable_course(user, course_id)
    setting = db.session.get(DiscussionSetting, course_id) or DiscussionSetting(
        course_id=course_id)
    setting.hold_first_posts = hold
    db.session.add(setting)
    db.session.flush()


def hold_first_posts(course_id: int) -> bool:
    setting = db.session.get(DiscussionSetting, course_id)
    return bool(setting and setting.hold_first_posts)

