"""Progress rows under concurrency: create a member's row once, and lock it for a report.

Each report locks its progress row (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite a first ``UPDATE`` takes the database's write lock), so two reports of
one member never credit the same seconds twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Integer, Row, bindparam, select, update

from lms.accounts.models import ApiToken, User
from lms.accounts.tokens import Credential
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.database import is_postgres
from lms.extensions import UTCDateTime, db
from lms.media.models import MediaAsset
from lms.progress.models import ItemProgress


def row_of(user_id: int, item_id: int):
    return (ItemProgress.user_id == user_id) & (ItemProgress.item_id == item_id)


def find_row(user_id: int, item_id: int, fresh: bool = False) -> ItemProgress | None:
    query = select(ItemProgress).where(row_of(user_id, item_id))
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def insert_row(user_id: int, item_id: int, now: datetime) -> None:
    """Create the progress row unless it exists (safe when two requests race)."""
    if is_postgres():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(ItemProgress).values(user_id=user_id, item_id=item_id, status="not_started",
                                    intervals=[], updated_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "item_id"]))


def lock(query):
    """Run ``query`` holding a write lock: the row on PostgreSQL, the database on SQLite."""
    if is_postgres():
        return db.session.execute(query.with_for_update())
    # pysqlite starts the transaction at the first write: a no-op UPDATE takes the
    # write lock before we read, so concurrent writers queue instead of racing.
    db.session.execute(update(Enrollment).where(Enrollment.id == -1).values(completed_at=None)
                       .execution_options(synchronize_session=False))
    return db.session.execute(query)


def locked_row(user_id: int, item_id: int, now: datetime) -> ItemProgress:
    """The member's progress row for the item, locked for this transaction."""
    query = (select(ItemProgress).where(row_of(user_id, item_id))
             .execution_options(populate_existing=True))
    row = lock(query).scalar_one_or_none()
    if row is None:
        insert_row(user_id, item_id, now)
        row = lock(query).scalar_one()
    return row


def _locked_video_state(*auth):
    """The member's progress row of a video, locked, with what the credit rules and
    access checks need, as plain columns; joined to ``auth``'s conditions."""
    return (
        select(ItemProgress.id, ItemProgress.intervals, ItemProgress.watched_seconds,
               ItemProgress.percent, ItemProgress.last_position, ItemProgress.status,
               ItemProgress.first_opened_at, Item.min_watch_percent, Module.prerequisite_id,
               Course.status.label("course_status"), Course.in_order,
               MediaAsset.duration_seconds, Enrollment.access_ends_at)
        .join(User, (User.id == ItemProgress.user_id) & User.is_active)
        .join(Item, Item.id == ItemProgress.item_id)
        .join(Module, Module.id == Item.module_id).join(Course, Course.id == Module.course_id)
        .outerjoin(MediaAsset, MediaAsset.id == Item.media_id)
        .join(Enrollment, (Enrollment.course_id == Module.course_id)
              & (Enrollment.user_id == ItemProgress.user_id))
        .where(ItemProgress.item_id == bindparam("item_id", type_=Integer),
               Item.kind == "video", *auth)
        .with_for_update(of=ItemProgress))


#: Built once: the statements of every progress report. The caller's credential is
#: confirmed in the same statement: a live API token, or the session's version.
_BY_TOKEN = _locked_video_state(
    ApiToken.user_id == ItemProgress.user_id,
    ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
    ApiToken.expires_at > bindparam("now", type_=UTCDateTime()))
_BY_SESSION = _locked_video_state(
    ItemProgress.user_id == bindparam("user_id", type_=Integer),
    User.session_version == bindparam("session_version", type_=Integer))

_SAVE_VIDEO_STATE = (update(ItemProgress.__table__)
                     .where(ItemProgress.__table__.c.id == bindparam("row_id", type_=Integer)))


def locked_video_state(conn: Connection, credential: Credential, item_id: int,
                       now: datetime) -> Row | None:
    """PostgreSQL: the progress row of the video ``item_id`` of the member ``credential``
    names, locked, if the credential holds (an active member's live token, or their
    current session version) and they are enrolled. Plain columns: the row's own,
    ``min_watch_percent, prerequisite_id, course_status, in_order, duration_seconds,
    access_ends_at``. None otherwise: the caller authenticates the usual way."""
    if credential.token_hash is not None:
        return conn.execute(_BY_TOKEN, {"token_hash": credential.token_hash, "now": now,
                                        "item_id": item_id}).first()
    return conn.execute(_BY_SESSION, {"user_id": credential.user_id,
                                      "session_version": credential.session_version,
                                      "item_id": item_id}).first()
def save_video_state(conn: Connection, row_id: int, values: dict) -> None:
    """Write credited columns to a row locked by :func:`locked_video_state` (one
    ``UPDATE``; ``revision`` moves as with every update)."""
    conn.execute(_SAVE_VIDEO_STATE, {"row_id": row_id, **values})
