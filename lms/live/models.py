"""Live sessions of a course, who registered for them, who attended, and who watched along."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.extensions import UTCDateTime, db, utcnow

#: Stored statuses; "live" and "ended" are read off the clock (see ``service.status_of``).
SESSION_STATUSES = ("scheduled", "cancelled")
REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled")


class LiveSession(db.Model):
    """One scheduled meeting of a course (a webinar is a course with one or more sessions)."""

    __tablename__ = "live_session"
    __table_args__ = (Index("ix_live_session_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    #: The course item whose completion attendance (or, where allowed, the recording) gives.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Seats; None means no limit.
    capacity: Mapped[int | None]
    #: The meeting service's URL: never shown before the join window opens.
    join_url: Mapped[str] = mapped_column(String(500))
    #: Minutes a registrant must attend for the session to count.
    min_minutes: Mapped[int] = mapped_column(default=0)
    #: "scheduled" or "cancelled".
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    #: iCalendar SEQUENCE: raised whenever the time changes or the session is cancelled.
    sequence: Mapped[int] = mapped_column(default=0)
    #: Registered and waitlisted counts, kept beside the row so lists read no aggregates.
    registered_count: Mapped[int] = mapped_column(default=0)
    waitlisted_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True)


class Registration(db.Model):
    """A member's place at a session: registered, waitlisted (in ``created_at`` order) or
    cancelled; and what they did: clicked join, attended for some minutes."""

    __tablename__ = "session_registration"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        Index("ix_session_registration_waitlist", "session_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: "registered", "waitlisted" or "cancelled".
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: First click on join within the window (a fact for attendance, not credit by itself).
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Minutes attended according to the imported participant report.
    attended_minutes: Mapped[int | None]
    #: When attendance (≥ the session's ``min_minutes``) was recorded and credited.
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[LiveSession] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship()
    group_viewers: Mapped[list[GroupViewer]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", passive_deletes=True)


class GroupViewer(db.Model):
    """A colleague who watched with a registrant (one screen in a meeting room)."""

    __tablename__ = "group_viewer"
    __table_args__ = (UniqueConstraint("registration_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("session_registration.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    #: Stored lower-case; matched case-insensitively to accounts.
    email: Mapped[str] = mapped_column(String(254), index=True)
    #: The registrant confirmed this colleague attended.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The account credited (set when confirmed, or when the invited colleague registers).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="group_viewers")


class AttendanceImport(db.Model):
    """One uploaded participant report; the same file again (same checksum) changes nothing."""

    __tablename__ = "attendance_import"
    __table_args__ = (UniqueConstraint("session_id", "checksum"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    #: SHA-256 (hex) of the uploaded bytes.
    checksum: Mapped[str] = mapped_column(String(64))
    #: "zoom", "teams" or "plain".
    layout: Mapped[str] = mapped_column(String(10))
    matched: Mapped[int] = mapped_column(default=0)
    #: Emails in the report that matched no registrant, one per line (for manual matching).
    unmatched: Mapped[str] = mapped_column(db.Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeed(db.Model):
    """A member's subscribable calendar of their sessions.

    The feed's address carries a token derived from the member id and ``version``
    with the site's secret key (``lms.live.feed``); nothing secret is stored, and
    raising ``version`` makes every earlier address stop working.
    """

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
