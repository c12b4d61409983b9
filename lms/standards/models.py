"""How far the learning record has been forwarded to an LRS; the LTI 1.3 platforms,
identities, login states and links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, utcnow

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


# --- LTI 1.3 ----------------------------------------------------------------------


class LtiPlatform(db.Model):
    """A learning platform (Canvas, Moodle, Brightspace) that staff allow to launch us."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The platform's ``iss`` in its ID tokens.
    issuer: Mapped[str] = mapped_column(String(255))
    #: The client id the platform gave this tool: the ``aud`` of its ID tokens.
    client_id: Mapped[str] = mapped_column(String(255))
    #: The one deployment of the tool on that platform that may launch us.
    deployment_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiIdentity(db.Model):
    """A platform's user (its ``sub``) and the member account it launches as."""

    __tablename__ = "lti_identity"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiLoginState(db.Model):
    """One OIDC login started by a platform: its state and nonce, usable once, briefly.

    Kept on the server rather than in a cookie: a launch arrives as a cross-site
    POST, often inside the platform's iframe, where browsers withhold our cookies.
    """

    __tablename__ = "lti_login_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Set by the launch that used it; a second launch with the same state is refused.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LtiLink(db.Model):
    """A member reached a course through a platform's resource link: where scores go back."""

    __tablename__ = "lti_link"
    __table_args__ = (UniqueConstraint("platform_id", "user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    #: The platform's ``sub`` for the member: the ``userId`` of scores sent back.
    subject: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    #: Assignment and Grade Services line item URL of the link, when the platform gave one.
    lineitem_url: Mapped[str | None] = mapped_column(String(500))
    #: The AGS scopes the platform granted, space-separated.
    scopes: Mapped[str] = mapped_column(Text, default="")
    launched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the platform accepted the completion score (nothing is sent twice).
    score_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
