"""CE credit ledger: credit types, what courses award, every credit a member earns, cycles."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.extensions import UTCDateTime, db, utcnow

#: The credit type every installation has (created by the migration).
DEFAULT_TYPE = "ce-hours"
SOURCES = ("certificate", "live", "external")
STATUSES = ("approved", "pending", "rejected", "revoked")


class CreditType(db.Model):
    """A kind of credit a body asks for: CE hours, CEUs, a state's certification hours."""

    __tablename__ = "credit_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable name used in the API (``ce-hours``, ``tx-state-hours``).
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: What one counts: "hours", "CEUs", "points".
    unit: Mapped[str] = mapped_column(String(40), default="hours")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseCredit(db.Model):
    """One credit type a course awards, and how much of it (1.5 CE hours, 1.5 state hours)."""

    __tablename__ = "course_credit"
    __table_args__ = (UniqueConstraint("course_id", "credit_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    credit_type_id: Mapped[int] = mapped_column(ForeignKey("credit_type.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    credit_type: Mapped[CreditType] = relationship()


class Credit(db.Model):
    """One ledger entry: credit a member earned here (a certificate, a live session) or
    elsewhere (self-reported, pending until staff decide).

    Entries are never deleted when their certificate is revoked: they turn
    ``revoked`` with a new ``updated_at``, so a membership system syncing with
    ``updated_since`` sees the removal.
    """

    __tablename__ = "credit"
    __table_args__ = (
        UniqueConstraint("certificate_id", "credit_type_id"),
        Index("ix_credit_user_id_earned_on", "user_id", "earned_on"),
        Index("ix_credit_user_id_updated_at", "user_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: "certificate", "live" or "external".
    source: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    credit_type_id: Mapped[int] = mapped_column(ForeignKey("credit_type.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    #: The member's local date (their ``time_zone``) on which it was earned.
    earned_on: Mapped[date]
    #: "approved", "pending", "rejected" or "revoked" (its certificate was revoked).
    status: Mapped[str] = mapped_column(String(10), index=True)
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="SET NULL"))
    evidence_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_asset.id", ondelete="SET NULL"))
    #: Staff's note with their decision (sent to the member).
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Every change moves it (the sync cursor of ``updated_since``).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    credit_type: Mapped[CreditType] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class CreditCycle(db.Model):
    """A member's renewal cycle: ``required_amount`` of one credit type between two dates."""

    __tablename__ = "credit_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    credit_type_id: Mapped[int] = mapped_column(ForeignKey("credit_type.id", ondelete="CASCADE"))
    required_amount: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    #: Both days count (local dates of the member).
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    credit_type: Mapped[CreditType] = relationship()
