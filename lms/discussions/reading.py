"""What discussion pages and the API show: thread lists and a thread with its posts.

Each is a fixed number of statements whatever the number of threads or posts: the
list is one aggregate query (plus its count), a thread page one query for its posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, func, or_, select

from lms.accounts.models import User
from lms.discussions import search
from lms.discussions.models import Post, PostVote, Thread
from lms.discussions.service import Seat, seat, thread_seat
from lms.errors import ValidationError
from lms.extensions import db

SORTS = ("recent", "top", "unanswered")


@dataclass(frozen=True)
class ThreadSummary:
    id: int
    title: str
    kind: str
    author: str
    created_at: datetime
    last_post_at: datetime
    posts: int
    votes: int
    answered: bool
    item_id: int | None
    is_locked: bool
    is_announcement: bool
    status: str


@dataclass(frozen=True)
class PostView:
    id: int
    author_id: int
    author: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    votes: int
    accepted: bool
    hidden: bool
    held: bool
    by_instructor: bool
    voted: bool


@dataclass(frozen=True)
class Viewer:
    """Whose list it is: the course, the member, and whether they moderate it."""

    course_id: int
    user_id: int
    is_moderator: bool


def _visible_posts(viewer: Viewer):
    """Posts counted in lists: moderators count every post, members the visible ones."""
    if viewer.is_moderator:
        return True
    return or_(Post.status == "visible", Post.author_id == viewer.user_id)


def thread_list(user: User | None, course_id: int | None = None, *, slug: str | None = None,
                item_id: int | None = None, kind: str | None = None, sort: str = "recent",
                q: str | None = None, page: int = 1, per_page: int = 20
                ) -> tuple[list[ThreadSummary], int, Seat]:
    """A page of the course's threads (by id or slug) and the total.

    Raises NotFound, ValidationError. The total comes with the page's rows (a window
    count); only a page past the end counts in a statement of its own.
    """
    place = seat(user, course_id, slug=slug)
    if sort not in SORTS:
        raise ValidationError("Invalid input.", errors={"sort": [", ".join(SORTS)]})
    if kind not in (None, "", "question", "discussion"):
        raise ValidationError("Invalid input.", errors={"kind": ["question or discussion."]})
    viewer = Viewer(place.course.id, place.user.id, place.is_moderator)
    stmt = _filtered(viewer, item_id, kind or None, sort)
    stmt, rank = search.apply(stmt, q, db.session.get_bind().dialect.name)
    rows = db.session.execute(_summaries(stmt, viewer, sort, rank)
                              .add_columns(func.count().over().label("total"))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    total = rows[0].total if rows else (count_threads(stmt) if page > 1 else 0)
    return [_summary(row) for row in rows], total, place


def count_threads(filtered: Select) -> int:
    """How many threads a filtered statement finds (the general count)."""
    return db.session.execute(
        select(func.count()).select_from(filtered.with_only_columns(Thread.id).subquery())
    ).scalar_one()


def _summary(row) -> ThreadSummary:
    values = dict(row._mapping)
    values.pop("total", None)
    return ThreadSummary(**values)


def _filtered(viewer: Viewer, item_id: int | None, kind: str | None, sort: str) -> Select:
    stmt = select(Thread.id).where(Thread.course_id == viewer.course_id)
    if not viewer.is_moderator:
        stmt = stmt.where(or_(Thread.status == "visible", and_(
            Thread.status == "held", Thread.author_id == viewer.user_id)))
    if item_id is not None:
        stmt = stmt.where(Thread.item_id == item_id)
    if kind:
        stmt = stmt.where(Thread.kind == kind)
    if sort == "unanswered":
        stmt = stmt.where(Thread.kind == "question", Thread.accepted_post_id.is_(None))
    return stmt


def _summaries(filtered: Select, viewer: Viewer, sort: str, rank) -> Select:
    # Counted over this course's threads only (the thread index narrows the posts).
    counts = (select(Post.thread_id, func.count(Post.id).label("posts"),
                     func.coalesce(func.sum(Post.vote_count), 0).label("votes"))
              .join(Thread, Thread.id == Post.thread_id)
              .where(Thread.course_id == viewer.course_id, _visible_posts(viewer))
              .group_by(Post.thread_id).subquery())
    stmt = (filtered.with_only_columns(
        Thread.id, Thread.title, Thread.kind, User.name.label("author"), Thread.created_at,
        Thread.last_post_at, func.coalesce(counts.c.posts, 0).label("posts"),
        func.coalesce(counts.c.votes, 0).label("votes"),
        case((Thread.accepted_post_id.is_not(None), True), else_=False).label("answered"),
        Thread.item_id, Thread.is_locked, Thread.is_announcement, Thread.status)
        .join(User, User.id == Thread.author_id)
        .outerjoin(counts, counts.c.thread_id == Thread.id))
    order = {"recent": [Thread.last_post_at.desc()],
             "top": [func.coalesce(counts.c.votes, 0).desc(), Thread.last_post_at.desc()],
             "unanswered": [Thread.created_at.asc()]}[sort]
    if rank is not None:
        order = [rank, *order]
    return stmt.order_by(Thread.is_announcement.desc(), *order, Thread.id.desc())


def thread_page(user: User | None, thread_id: int) -> tuple[Thread, list[PostView], Seat]:
    """A thread and the posts the user may see, oldest first (the question on top)."""
    thread, place = thread_seat(user, thread_id)
    mine = (select(PostVote.post_id).where(PostVote.user_id == place.user.id)
            .where(PostVote.post_id == Post.id).exists())
    stmt = (select(Post.id, Post.author_id, User.name.label("author"), Post.body_html,
                   Post.created_at, Post.edited_at, Post.vote_count.label("votes"),
                   Post.status, Post.by_instructor, mine.label("voted"))
            .join(User, User.id == Post.author_id)
            .where(Post.thread_id == thread.id,
                   _visible_posts(Viewer(thread.course_id, place.user.id, place.is_moderator)))
            .order_by(Post.created_at, Post.id))
    posts = [PostView(id=row.id, author_id=row.author_id, author=row.author,
                      body_html=row.body_html, created_at=row.created_at,
                      edited_at=row.edited_at, votes=row.votes,
                      accepted=row.id == thread.accepted_post_id,
                      hidden=row.status == "hidden", held=row.status == "held",
                      by_instructor=row.by_instructor, voted=bool(row.voted))
             for row in db.session.execute(stmt)]
    return thread, posts, place


def item_threads(user: User, course_id: int, item_id: int, limit: int = 10
                 ) -> list[ThreadSummary]:
    """The threads about one item, for the player, in one statement.

    Only for a caller that has already checked the user may open the item (the player
    has); shows what a member sees (moderators' extras are on the discussion pages).
    """
    viewer = Viewer(course_id, user.id, False)
    stmt = _summaries(_filtered(viewer, item_id, None, "recent"), viewer, "recent", None)
    return [_summary(row) for row in db.session.execute(stmt.limit(limit))]
