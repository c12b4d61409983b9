"""How far the learning record has been forwarded to the Learning Record Store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db

#: The one row of ``lrs_cursor`` (the table holds a single forwarding position).
CURSOR_ID = 1


class LrsCursor(db.Model):
    """The forwarding position and the lease that lets one forwarder run at a time."""

    __tablename__ = "lrs_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The id of the last LearningEvent the LRS accepted; events after it are the backlog.
    last_event_id: Mapped[int] = mapped_column(default=0)
    forwarded_count: Mapped[int] = mapped_column(default=0)
    last_forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A random token naming the forwarder that holds the lease, until ``leased_until``.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Since when the forwarder has waited at a gap in event ids just after the cursor
    #: (an event still being recorded, or one rolled back: skipped after a grace period).
    gap_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the last attempt failed (cleared when a batch is accepted), for staff.
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
