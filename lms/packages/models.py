"""Unpacked SCORM and cmi5 packages: what a ``package`` item plays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import UTCDateTime, db, utcnow

STANDARDS = ("scorm12", "scorm2004", "cmi5")


class PackageContent(db.Model):
    """One uploaded ZIP, checked and unpacked into the store once (whichever items use it)."""

    __tablename__ = "package_content"

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(
        ForeignKey("media_asset.id", ondelete="CASCADE"), unique=True)
    #: "scorm12", "scorm2004" or "cmi5".
    standard: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200), default="")
    #: The launch file's path inside the package (a key of ``files``).
    launch_path: Mapped[str] = mapped_column(String(1000))
    #: Query string the manifest adds to the launch URL (SCORM ``parameters``), without "?".
    launch_query: Mapped[str] = mapped_column(String(1000), default="")
    #: Path inside the package → ``{"key", "type", "size"}``; keys are ours (``pkg/<uuid>/<n>``).
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: SCORM 1.2 ``adlcp:masteryscore`` (0–100) or cmi5 ``masteryScore`` (0–1); None if unset.
    mastery_score: Mapped[float | None]
    #: cmi5 only: the AU's moveOn rule, the course IRI and the AU's activity IRI.
    move_on: Mapped[str | None] = mapped_column(String(30))
    course_iri: Mapped[str | None] = mapped_column(String(500))
    activity_iri: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
