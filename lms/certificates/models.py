"""Certificates, their PDF history, name corrections and the organisation's settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.extensions import UTCDateTime, db, utcnow

#: Why a certificate was revoked, as shown publicly (the free-text reason is staff-only).
REVOKE_CATEGORIES: dict[str, str] = {
    "issued_in_error": "Issued in error",
    "academic_misconduct": "Academic misconduct",
    "course_withdrawn": "Course withdrawn",
    "other": "Other",
}
PAGE_SIZES = ("letter", "a4")
REQUEST_STATUSES = ("pending", "approved", "rejected")


class Certificate(db.Model):
    """One member's certificate for one edition of a course, with a frozen snapshot of
    what it certifies (a retake's completion issues the next edition).

    Later edits of the course or the member never change these columns; only an
    approved name correction changes ``name`` (and stores a new PDF version).
    """

    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Canonical dashed Crockford base32 (``codes.new_code``), 100 random bits.
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    #: The enrolment's edition it was earned in: 1, then 2, … for retakes.
    edition: Mapped[int] = mapped_column(default=1, server_default="1")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_on: Mapped[date]
    #: Snapshot: the member's certificate name, in any script.
    name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(10), default="course")
    ce_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    instructors: Mapped[list[str]] = mapped_column(JSON, default=list)
    presenters: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ``{"videos": [{"item_id", "title", "watched_seconds", "watched_minutes"}],
    #: "best_quiz_score": float|None}`` (older records lack ``watched_seconds``).
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Course version certified (bumped by catalog on every publish).
    course_version: Mapped[int] = mapped_column(default=1)
    expires_on: Mapped[date | None]
    #: When the "expires in 30 days" reminder went out (the reminder is sent once).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Staff-only free text; the public sees ``revoke_category`` only.
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoke_category: Mapped[str | None] = mapped_column(String(30))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The current PDF; None until it has been stored (see ``issuance.render_missing``).
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    #: SHA-256 hex of the stored PDF; also its HTTP ETag.
    pdf_checksum: Mapped[str | None] = mapped_column(String(64))
    pdf_version: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    versions: Mapped[list[CertificateVersion]] = relationship(
        back_populates="certificate", order_by="CertificateVersion.version",
        cascade="all, delete-orphan")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today

    def is_valid(self, today: date) -> bool:
        return not self.is_revoked and not self.is_expired(today)


#: Bits in one status list: 16 KiB, the W3C Bitstring Status List minimum, so that one
#: credential's bit hides among many (herd privacy).
STATUS_LIST_SIZE = 131_072


class Credential(db.Model):
    """One signed Open Badges 3.0 credential of a certificate (``credentials.py``).

    A certificate has one current credential; a reissue (name fix) supersedes it
    with a new one and revokes the old. The status list position is derived from
    the row id, so it is unique without any shared counter (and, with SQLite's
    AUTOINCREMENT, never reused after a row is deleted).
    """

    __tablename__ = "credential"
    __table_args__ = (
        Index("uq_credential_current", "certificate_id", unique=True,
              sqlite_where=text("superseded_at IS NULL"),
              postgresql_where=text("superseded_at IS NULL")),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    #: The credential's ``id`` (and the JWT's ``jti``): ``urn:uuid:…``.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    #: The signing key's id in ``/.well-known/jwks.json``.
    kid: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The VC-JWT exactly as issued (stored, so its content never changes).
    jwt: Mapped[str] = mapped_column(Text, default="")
    #: Set when a reissue replaced it.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when its certificate was revoked or it was superseded: its status bit is 1.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    certificate: Mapped[Certificate] = relationship()

    @property
    def status_list(self) -> int:
        return status_position(self.id)[0]

    @property
    def status_index(self) -> int:
        return status_position(self.id)[1]


def status_position(credential_id: int) -> tuple[int, int]:
    """(status list number, index in it) of the credential with that row id."""
    return (credential_id - 1) // STATUS_LIST_SIZE + 1, (credential_id - 1) % STATUS_LIST_SIZE


class CertificateVersion(db.Model):
    """Every PDF ever stored for a certificate: issue, then each reissue."""

    __tablename__ = "certificate_version"
    __table_args__ = (UniqueConstraint("certificate_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    pdf_key: Mapped[str] = mapped_column(String(200))
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "issued", "name corrected: …", "re-rendered" …
    reason: Mapped[str] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    certificate: Mapped[Certificate] = relationship(back_populates="versions")
    actor: Mapped[User | None] = relationship()


class NameChangeRequest(db.Model):
    """A member asks for a corrected name on one certificate; staff decide."""

    __tablename__ = "certificate_name_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    current_name: Mapped[str] = mapped_column(String(200))
    requested_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    certificate: Mapped[Certificate] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])


class CertificateSettings(db.Model):
    """The organisation's certificate look: a single row (id 1), edited by staff."""

    __tablename__ = "certificate_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_name: Mapped[str] = mapped_column(String(200))
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    #: Storage keys of the uploaded PNG/JPEG images (server-generated).
    logo_key: Mapped[str | None] = mapped_column(String(200))
    signature_key: Mapped[str | None] = mapped_column(String(200))
    page_size: Mapped[str] = mapped_column(String(10), default="letter")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
