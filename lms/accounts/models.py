"""Members, their roles and API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import UTCDateTime, db, utcnow

CAREER_STAGES: dict[str, str] = {
    "student": "Student (LIS or library school)",
    "early_career": "Early career (up to 5 years)",
    "mid_career": "Mid career",
    "senior": "Senior / manager",
    "retired": "Retired",
}

ORG_TYPES: dict[str, str] = {
    "public": "Public library",
    "academic": "Academic library",
    "school": "School library",
    "special": "Special library",
    "government": "Government library",
    "archives_museum": "Archives or museum",
    "vendor": "Vendor",
    "other": "Other",
}

ROLES = ("member", "instructor", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, which makes the unique index case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The name printed on certificates, in any script.
    certificate_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_instructor: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    career_stage: Mapped[str | None] = mapped_column(String(20))
    org_type: Mapped[str | None] = mapped_column(String(20))
    #: Bumped on logout, password change or deactivation: older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    #: Extra time on timed quizzes, in percent (an accommodation set by staff).
    extra_time_percent: Mapped[int] = mapped_column(default=0)
    #: IANA time zone name (``zoneinfo``): the member's local date for CE credits and cycles.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    #: Bumped whenever the member's CE credits or renewal cycle change: pages showing them
    #: are kept rendered under it (read with the member, so the check costs no statement).
    ledger_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Moves when the member's webinar places change (``lms.live.receivers``): My learning
    #: keeps its "upcoming webinars" section under it.
    live_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Unread discussion notifications, moved in the transaction that adds or reads them:
    #: the page header shows it from the row every request loads anyway.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The ``sub`` of the association's OpenID Connect provider, set at the first single
    #: sign-on; later sign-ins find the member by it (lms/accounts/sso.py).
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> list[str]:
        granted = {"member", *(["instructor"] if self.is_instructor else [])}
        if self.is_admin:
            granted.add("admin")
        return [role for role in ROLES if role in granted]

    @property
    def can_teach(self) -> bool:
        return self.is_instructor or self.is_admin

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class TeachApplication(db.Model):
    """A member's request for the instructor role, decided by staff."""

    __tablename__ = "teach_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    expertise: Mapped[str] = mapped_column(Text)
    proposed_topic: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
