"""What each member did with each item, and the append-only learning record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.extensions import UTCDateTime, db, utcnow

ITEM_STATUSES = ("not_started", "in_progress", "completed")


class ItemProgress(db.Model):
    """One member's progress on one item; the facts completion is computed from."""

    __tablename__ = "item_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "item_id"),
        # Covering on PostgreSQL: the instructor report sums status and percent of
        # 150,000 rows of a 5,000-member course from the index alone (136 → 53 ms).
        Index("ix_item_progress_item_id", "item_id",
              postgresql_include=["user_id", "status", "percent"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="not_started")
    #: Union of the played intervals the server accepted: sorted, disjoint ``[start, end]``.
    intervals: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    #: Seconds covered by ``intervals`` (kept so lists and reports need not re-merge).
    watched_seconds: Mapped[float] = mapped_column(default=0.0)
    #: Share of the item done, 0–100 (video: unique seconds watched over duration).
    percent: Mapped[int] = mapped_column(default=0)
    #: Resume point in seconds; only moves back when the member seeks (see service).
    last_position: Mapped[float] = mapped_column(default=0.0)
    #: The member's first GET of the item: the start of the credit clock.
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Staff member who marked the item complete by hand, and why.
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    set_reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moves by one with every UPDATE made through SQLAlchemy (ORM or Core), so a
    #: member's rows of a course summarise as a stamp that changes with any write
    #: (``kept.progress_stamp``), whatever the clocks of the writing processes say.
    revision: Mapped[int] = mapped_column(default=1, server_default="1",
                                          onupdate=literal_column("item_progress.revision") + 1)

    set_by: Mapped[User | None] = relationship(foreign_keys=[set_by_id])

    @property
    def is_complete(self) -> bool:
        return self.status == "completed"


class ArchivedProgress(db.Model):
    """A member's progress on an item in an earlier edition of a course, kept when they
    retake it (the live ``item_progress`` row starts afresh for the new edition)."""

    __tablename__ = "archived_progress"
    __table_args__ = (UniqueConstraint("user_id", "item_id", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    #: The edition this progress belonged to (the one that ended with the retake).
    edition: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    percent: Mapped[int]
    intervals: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    watched_seconds: Mapped[float]
    last_position: Mapped[float]
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    set_reason: Mapped[str | None] = mapped_column(String(500))
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: Free room on each page for rows' next versions (PostgreSQL): a progress report that
#: moves no indexed column (most move only seconds and position) is then a HOT update,
#: writing no index entries and a quarter of the WAL (tests/perf/reports/pages.md).
#: Migration 7c1d2e3f4a5b sets the same on existing databases.
ITEM_PROGRESS_FILLFACTOR = 80
event.listen(ItemProgress.__table__, "after_create", DDL(
    f"ALTER TABLE item_progress SET (fillfactor = {ITEM_PROGRESS_FILLFACTOR})"
).execute_if(dialect="postgresql"))


class LearningEvent(db.Model):
    """An xAPI statement about a member (append-only: never updated or deleted by the app)."""

    __tablename__ = "learning_event"
    __table_args__ = (Index("ix_learning_event_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The statement's UUID, so a Learning Record Store can deduplicate.
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: Short verb name ("completed"); the IRI is in ``statement``.
    verb: Mapped[str] = mapped_column(String(20), index=True)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="SET NULL"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The full xAPI statement (actor, verb, object, result, context, timestamp).
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)


class PackageRuntime(db.Model):
    """What a SCORM package last committed for one member (the ``cmi`` object, bounded),
    kept to resume it; the item's progress is derived from it on each commit."""

    __tablename__ = "package_runtime"
    __table_args__ = (UniqueConstraint("user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    cmi: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Cmi5Launch(db.Model):
    """One launch of a cmi5 AU: its fetch URL gives the AU its token once, and the
    token lets the AU send statements about this member and item only."""

    __tablename__ = "cmi5_launch"

    #: Random (``secrets.token_urlsafe``); names the launch in the AU's endpoint URLs.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    registration: Mapped[str] = mapped_column(String(36))
    #: SHA-256 (hex) of the auth token; None until the fetch URL was used.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The AU's LMS.LaunchData state and other documents it stored, by stateId.
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
