"""Progress rows under concurrency: create a member's row once, and lock it for a report.

Each report locks its progress row (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite a first ``UPDATE`` takes the database's write lock), so two reports of
one member never credit the same seconds twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.progress.models import ItemProgress


def row_of(user_id: int, item_id: int):
    return (ItemProgress.user_id == user_id) & (ItemProgress.item_id == item_id)


def find_row(user_id: int, item_id: int, fresh: bool = False) -> ItemProgress | None:
    query = select(ItemProgress).where(row_of(user_id, item_id))
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def dialect() -> str:
    return db.session.get_bind().dialect.name


def insert_row(user_id: int, item_id: int, now: datetime) -> None:
    """Create the progress row unless it exists (safe when two requests race)."""
    if dialect() == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(ItemProgress).values(user_id=user_id, item_id=item_id, status="not_started",
                                    intervals=[], updated_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "item_id"]))


def lock(query):
    """Run ``query`` holding a write lock: the row on PostgreSQL, the database on SQLite."""
    if dialect() == "postgresql":
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
