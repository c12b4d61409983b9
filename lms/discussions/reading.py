"""What discussion pages and the API show: thread lists and a thread with its posts.

Each is a fixed number of statements whatever the number of threads or posts: the
list is one aggregate query (plus its count), a thread page one query for its posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, Select, and_, bindparam, case, func, or_, select, true

from lms.accounts.models import User
from lms.database import DriverStatement
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


_COURSE = bindparam("course_id", type_=Integer)
_USER = bindparam("user_id", type_=Integer)
_ITEM = bindparam("item_id", type_=Integer)


def _visible_posts(is_moderator: bool):
    """Posts counted in lists: moderators count every post, members the visible ones
    (and their own, held or hidden); ``user_id`` is a parameter of the statement."""
    if is_moderator:
        return true()
    return or_(Post.status == "visible", Post.author_id == _USER)


def _params(viewer: Viewer, item_id: int | None = None) -> dict:
    return {"course_id": viewer.course_id, "user_id": viewer.user_id, "item_id": item_id}


#: The longest search a member may type.
MAX_QUERY = 200


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
    if q and len(q) > MAX_QUERY:
        raise ValidationError("Invalid input.",
                              errors={"q": [f"At most {MAX_QUERY} characters."]})
    viewer = Viewer(place.course.id, place.user.id, place.is_moderator)
    params = _params(viewer, item_id)
    filtered = _filtered(viewer.is_moderator, item_id is not None, kind or None, sort)
    searched, rank = search.apply(filtered, q, db.session.get_bind().dialect.name)
    paging = {**params, "limit": per_page, "offset": (page - 1) * per_page}
    if rank is None:
        rows = listed_rows(_list_statement(viewer.is_moderator, item_id is not None,
                                           kind or None, sort), paging)
    else:
        rows = db.session.execute(_paged(_summaries(searched, viewer.is_moderator, sort, rank)),
                                  paging).all()
    total = rows[0][-1] if rows else (count_threads(searched, params) if page > 1 else 0)
    return [_summary(row) for row in rows], total, place


def listed_rows(statement: Select, params: dict) -> list[tuple]:
    """The rows of a list statement built once (:func:`_list_statement`).

    On PostgreSQL they come straight from the driver's cursor (``DriverStatement``:
    a third of the CPU of the session's ``execute``; the list's columns are numbers,
    strings, booleans and UTC timestamps, which need no type processing); elsewhere
    through the session, which gives the same rows (tests/discussions).
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _on_driver(statement).all(connection, params)
    return [tuple(row) for row in db.session.execute(statement, params)]


@cache
def _on_driver(statement: Select) -> DriverStatement:
    return DriverStatement(statement)


def count_threads(filtered: Select, params: dict) -> int:
    """How many threads a filtered statement finds (the general count)."""
    return db.session.execute(
        select(func.count()).select_from(filtered.with_only_columns(Thread.id).subquery()),
        params).scalar_one()


def _summary(row) -> ThreadSummary:
    """A row of :func:`_paged` (the summary's fields in order, then the total)."""
    return ThreadSummary(*row[:-1])


def _paged(summaries: Select) -> Select:
    """The statement with the total of its rows and a page (``limit``, ``offset``) of them.

    Limit and offset as parameters keep the statement object the same from one request
    to the next, so SQLAlchemy's cache key for it is worked out once.
    """
    return (summaries.add_columns(func.count().over().label("total"))
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer)))


@cache
def _list_statement(is_moderator: bool, by_item: bool, kind: str | None, sort: str) -> Select:
    """A list without search, built once per shape: construction is most of its cost."""
    return _paged(_summaries(_filtered(is_moderator, by_item, kind, sort), is_moderator, sort,
                             None))


@cache
def _filtered(is_moderator: bool, by_item: bool, kind: str | None, sort: str) -> Select:
    stmt = select(Thread.id).where(Thread.course_id == _COURSE)
    if not is_moderator:
        stmt = stmt.where(or_(Thread.status == "visible", and_(
            Thread.status == "held", Thread.author_id == _USER)))
    if by_item:
        stmt = stmt.where(Thread.item_id == _ITEM)
    if kind:
        stmt = stmt.where(Thread.kind == kind)
    if sort == "unanswered":
        stmt = stmt.where(Thread.kind == "question", Thread.accepted_post_id.is_(None))
    return stmt


def _summaries(filtered: Select, is_moderator: bool, sort: str, rank, *,
               kept: bool | None = None) -> Select:
    """The list's columns, joined to its post and vote counts, in the list's order.

    Members' counts (``kept``, the default for them) are the thread's kept counts of
    visible posts plus their own posts that are not visible, found through the author
    index; moderators', which take in every post, are counted from the course's posts
    (the general path, which gives members the same numbers: tests/discussions).
    """
    if kept is None:
        kept = not is_moderator
    counts = _own_other_posts() if kept else _counted_posts(is_moderator)
    posts = func.coalesce(counts.c.posts, 0)
    votes = func.coalesce(counts.c.votes, 0)
    if kept:
        posts, votes = Thread.post_count + posts, Thread.vote_count + votes
    stmt = (filtered.with_only_columns(
        Thread.id, Thread.title, Thread.kind, User.name.label("author"), Thread.created_at,
        Thread.last_post_at, posts.label("posts"), votes.label("votes"),
        case((Thread.accepted_post_id.is_not(None), True), else_=False).label("answered"),
        Thread.item_id, Thread.is_locked, Thread.is_announcement, Thread.status)
        .join(User, User.id == Thread.author_id)
        .outerjoin(counts, counts.c.thread_id == Thread.id))
    order = {"recent": [Thread.last_post_at.desc()],
             "top": [votes.desc(), Thread.last_post_at.desc()],
             "unanswered": [Thread.created_at.asc()]}[sort]
    if rank is not None:
        order = [rank, *order]
    return stmt.order_by(Thread.is_announcement.desc(), *order, Thread.id.desc())


def _counted_posts(is_moderator: bool):
    """Posts and votes per thread of the course, counted (over this course's threads only:
    the thread index narrows the posts)."""
    return (select(Post.thread_id, func.count(Post.id).label("posts"),
                   func.coalesce(func.sum(Post.vote_count), 0).label("votes"))
            .join(Thread, Thread.id == Post.thread_id)
            .where(Thread.course_id == _COURSE, _visible_posts(is_moderator))
            .group_by(Post.thread_id).subquery("counted"))


def _own_other_posts():
    """The member's own held or hidden posts per thread: what they see beyond the kept
    counts of visible posts."""
    return (select(Post.thread_id, func.count(Post.id).label("posts"),
                   func.coalesce(func.sum(Post.vote_count), 0).label("votes"))
            .where(Post.author_id == _USER, Post.status != "visible")
            .group_by(Post.thread_id).subquery("own"))


def thread_page(user: User | None, thread_id: int) -> tuple[Thread, list[PostView], Seat]:
    """A thread and the posts the user may see, oldest first (the question on top)."""
    thread, place = thread_seat(user, thread_id)
    posts, _total = thread_posts(thread, place)
    return thread, posts, place


def thread_posts(thread: Thread, place: Seat, page: int | None = None, per_page: int = 50
                 ) -> tuple[list[PostView], int]:
    """The posts of ``thread`` the seat may see (all, or one page of them) and how many
    there are in all: one statement."""
    stmt = _posts_statement(place.is_moderator)
    if page is not None:
        stmt = stmt.limit(per_page).offset((max(page, 1) - 1) * per_page)
    rows = db.session.execute(stmt, {"thread_id": thread.id, "user_id": place.user.id}).all()
    posts = [PostView(id=row.id, author_id=row.author_id, author=row.author,
                      body_html=row.body_html, created_at=row.created_at,
                      edited_at=row.edited_at, votes=row.votes,
                      accepted=row.id == thread.accepted_post_id,
                      hidden=row.status == "hidden", held=row.status == "held",
                      by_instructor=row.by_instructor, voted=bool(row.voted))
             for row in rows]
    return posts, rows[0].total if rows else 0


@cache
def _posts_statement(is_moderator: bool) -> Select:
    mine = (select(PostVote.post_id).where(PostVote.user_id == _USER)
            .where(PostVote.post_id == Post.id).exists())
    return (select(Post.id, Post.author_id, User.name.label("author"), Post.body_html,
                   Post.created_at, Post.edited_at, Post.vote_count.label("votes"),
                   Post.status, Post.by_instructor, mine.label("voted"),
                   func.count().over().label("total"))
            .join(User, User.id == Post.author_id)
            .where(Post.thread_id == bindparam("thread_id", type_=Integer),
                   _visible_posts(is_moderator))
            .order_by(Post.created_at, Post.id))


def post_position(place: Seat, post: Post) -> int:
    """How many posts the seat sees before ``post`` in its thread (its place in pages)."""
    before = or_(Post.created_at < post.created_at,
                 and_(Post.created_at == post.created_at, Post.id < post.id))
    return db.session.execute(select(func.count()).select_from(Post).where(
        Post.thread_id == post.thread_id, before, _visible_posts(place.is_moderator)),
        {"user_id": place.user.id}).scalar_one()


def item_threads(user: User, course_id: int, item_id: int, limit: int = 10
                 ) -> list[ThreadSummary]:
    """The threads about one item, for the player, in one statement.

    Only for a caller that has already checked the user may open the item (the player
    has); shows what a member sees (moderators' extras are on the discussion pages).
    """
    params = _params(Viewer(course_id, user.id, False), item_id)
    stmt = _list_statement(False, True, None, "recent")
    return [_summary(row) for row in listed_rows(stmt, {**params, "limit": limit, "offset": 0})]
