"""Job records: what was queued, how often it ran, how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, utcnow

STATUSES = ("queued", "running", "failed", "done")


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_enqueued_at", "status", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Queuing the same key again returns the job already queued (an idempotency key).
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    #: Progress a long job reports (``report_progress``): done out of total.
    done_count: Mapped[int] = mapped_column(default=0)
    total_count: Mapped[int | None] = mapped_column()
    #: What the job made, for whoever asked for it (e.g. a stored ZIP's key).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    #: A part of a larger job (``service.WAIT_FOR_PARTS``): the parent is done when
    #: every part is, and failed when one fails for good.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("job.id", ondelete="CASCADE"), index=True)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name} {self.status}>"
