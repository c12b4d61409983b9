"""Progress rows under concurrency: create a member's row once; credit each report once.

The general path locks the progress row (``SELECT … FOR UPDATE`` on PostgreSQL;
on SQLite a first ``UPDATE`` takes the database's write lock). PostgreSQL's
common report instead reads the row and writes it back only if its ``revision``
has not moved (compare and set, each statement its own transaction); if it has,
it writes nothing and the caller takes the locked path. Either way two reports of
one member never credit the same seconds twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from psycopg.types.json import Json
from sqlalchemy import Connection, Integer, bindparam, select, update

from lms.accounts.models import ApiToken, User
from lms.accounts.tokens import Credential
from lms.catalog.models import Course, Enrollment, Item, Module
from lms.database import DriverStatement, is_postgres
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


def _video_state(*auth):
    """The member's progress row of a video with what the credit rules and access
    checks need, as plain columns, and its revision; joined to ``auth``'s conditions."""
    return (
        select(ItemProgress.id, ItemProgress.intervals, ItemProgress.watched_seconds,
               ItemProgress.percent, ItemProgress.last_position, ItemProgress.status,
               ItemProgress.first_opened_at, Item.min_watch_percent, Module.prerequisite_id,
               Course.status.label("course_status"), Course.in_order,
               MediaAsset.duration_seconds, Enrollment.access_ends_at, ItemProgress.revision)
        .join(User, (User.id == ItemProgress.user_id) & User.is_active)
        .join(Item, Item.id == ItemProgress.item_id)
        .join(Module, Module.id == Item.module_id).join(Course, Course.id == Module.course_id)
        .outerjoin(MediaAsset, MediaAsset.id == Item.media_id)
        .join(Enrollment, (Enrollment.course_id == Module.course_id)
              & (Enrollment.user_id == ItemProgress.user_id))
        .where(ItemProgress.item_id == bindparam("item_id", type_=Integer),
               Item.kind == "video", *auth))


class VideoState(NamedTuple):
    """A progress row of a video with what the credit rules and access checks need
    (the columns of :func:`_video_state`, in order)."""
    id: int
    intervals: list[list[float]]
    watched_seconds: float
    percent: int
    last_position: float
    status: str
    first_opened_at: datetime | None
    min_watch_percent: int
    prerequisite_id: int | None
    course_status: str
    in_order: bool
    duration_seconds: float | None
    access_ends_at: datetime | None
    revision: int


#: Built once: the statements of every progress report, run on the driver's cursor
#: (PostgreSQL's busiest path). The caller's credential is confirmed in the same
#: statement: a live API token, or the session's version.
_BY_TOKEN = DriverStatement(_video_state(
    ApiToken.user_id == ItemProgress.user_id,
    ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
    ApiToken.expires_at > bindparam("now", type_=UTCDateTime())))
_BY_SESSION = DriverStatement(_video_state(
    ItemProgress.user_id == bindparam("user_id", type_=Integer),
    User.session_version == bindparam("session_version", type_=Integer)))

#: The columns :func:`lms.progress.credit.credited` returns; ``revision`` moves too.
VIDEO_STATE_COLUMNS = ("first_opened_at", "intervals", "watched_seconds", "percent",
                       "last_position", "status", "last_report_at", "updated_at")
_SAVE_VIDEO_STATE = DriverStatement(
    update(ItemProgress.__table__)
    .where(ItemProgress.__table__.c.id == bindparam("row_id", type_=Integer),
           ItemProgress.__table__.c.revision == bindparam("row_revision", type_=Integer))
    .values({name: bindparam(name) for name in VIDEO_STATE_COLUMNS}))


def video_state(conn: Connection, credential: Credential, item_id: int,
                now: datetime) -> VideoState | None:
    """PostgreSQL: the progress row of the video ``item_id`` of the member ``credential``
    names, if the credential holds (an active member's live token, or their
    current session version) and they are enrolled. None otherwise: the caller
    authenticates the usual way."""
    if credential.token_hash is not None:
        row = _BY_TOKEN.first(conn, {"token_hash": credential.token_hash, "now": now,
                                     "item_id": item_id})
    else:
        row = _BY_SESSION.first(conn, {"user_id": credential.user_id,
                                       "session_version": credential.session_version,
                                       "item_id": item_id})
    return VideoState(*row) if row is not None else None


def save_video_state(conn: Connection, row: VideoState, values: dict) -> bool:
    """Write credited columns (:data:`VIDEO_STATE_COLUMNS`) to ``row`` in one ``UPDATE``,
    if it is still at the revision read; False (nothing written) if another write
    came first."""
    return _SAVE_VIDEO_STATE.run(conn, {**values, "row_id": row.id,
                                        "row_revision": row.revision,
                                        "intervals": Json(values["intervals"])}) == 1
