"""Issuing certificates: exactly once per member, course and edition, with the PDF stored once.

How "exactly once" holds under concurrent completions: the row is written with
``INSERT … ON CONFLICT (user_id, course_id, edition) DO NOTHING`` (PostgreSQL and
SQLite both speak it), then read back. The edition is the enrolment's: 1, and one
more after each retake (``retake.py``), so a retake's completion issues a new
certificate while the earlier ones stay. Only the caller whose insert took effect
renders the PDF and queues the "certificate ready" mail; every other caller
gets the same certificate.

Where the PDF is made: in the issuing transaction, right after the row.
Storage failing must not lose the certificate, so a ``StorageError`` is logged
and the row stays with ``pdf_key`` unset; ``flask lms certificates
render-missing`` stores those later (downloads never render: GET never
writes). Objects stored by a transaction that then rolls back are deleted
(``lms/stored.py``), so no orphan PDFs remain.
"""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from lms import metrics, signals
from lms.accounts.models import User
from lms.catalog.models import Course, Enrollment
from lms.certificates import credentials
from lms.certificates import evidence as evidence_mod
from lms.certificates.codes import new_code
from lms.certificates.models import Certificate, CertificateVersion
from lms.certificates.pdf import CertificateData, PdfSettings, render_certificate
from lms.certificates.settings import pdf_settings
from lms.database import upsert_insert
from lms.extensions import db, utcnow
from lms.mail import send_mail
from lms.storage import StorageError, get_storage, new_key
from lms.stored import track_stored
from lms.units import CEU_EXPLAINED, ce_credit
from lms.web import site_url

log = logging.getLogger("lms.certificates")


def verify_url(code: str) -> str:
    return site_url(f"/verify/{code}")


def pdf_url(code: str) -> str:
    return site_url(f"/certificates/{code}.pdf")


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def course_snapshot(course: Course) -> dict:
    """The course's part of the snapshot (the same for every member)."""
    presenters = [line.strip() for line in (course.presenters or "").splitlines() if line.strip()]
    return {"course_id": course.id, "course_title": course.title, "format": course.format,
            "ce_hours": course.ce_hours, "course_version": course.version,
            "instructors": [u.certificate_name or u.name for u in course.instructors],
            "presenters": presenters, "valid_months": course.certificate_valid_months}


def row_values(member: User, completed_at: datetime, course_part: dict, evidence: dict,
               now: datetime, edition: int = 1) -> dict:
    values = {key: value for key, value in course_part.items() if key != "valid_months"}
    months = course_part["valid_months"]
    return values | {
        "code": new_code(), "user_id": member.id, "edition": edition, "issued_at": now,
        "completed_on": completed_at.date(), "name": member.certificate_name or member.name,
        "evidence": evidence, "pdf_version": 0, "pdf_key": None, "pdf_checksum": None,
        "expires_on": add_months(now.date(), months) if months else None}


def insert_ignoring_duplicates(rows: list[dict]) -> dict[int, int]:
    """Insert rows, skipping members who already have this course's certificate of
    the row's edition.

    Returns {user_id: certificate id} of the rows this call inserted.
    """
    statement = upsert_insert(Certificate).values(rows).on_conflict_do_nothing(
        index_elements=["user_id", "course_id", "edition"]
    ).returning(Certificate.user_id, Certificate.id)
    # RETURNING rather than rowcount, which psycopg 3 reports as -1 here.
    inserted = {user_id: row_id for user_id, row_id in db.session.execute(statement)}
    metrics.certificates_issued(len(inserted))
    return inserted


def _insert_ignoring_duplicates(values: dict) -> bool:
    """Insert the row unless one exists for the member, course and edition; True if this did."""
    return bool(insert_ignoring_duplicates([values]))


def certificate_of(user_id: int, course_id: int, edition: int | None = None
                   ) -> Certificate | None:
    """The member's certificate of that edition of the course (None: their latest)."""
    query = select(Certificate).where(Certificate.user_id == user_id,
                                      Certificate.course_id == course_id)
    query = (query.where(Certificate.edition == edition) if edition is not None
             else query.order_by(Certificate.edition.desc()).limit(1))
    return db.session.execute(
        query.execution_options(populate_existing=True)).scalar_one_or_none()


def issue_certificate(member: User, course: Course, enrollment: Enrollment, *,
                      now: datetime | None = None) -> Certificate | None:
    """Issue (or return the existing) certificate for a completed enrolment.

    Returns None when the course issues no certificates or the enrolment is not
    complete. Called by the ``course_completed`` receiver inside the completing
    transaction; flushes, never commits. Raises nothing for storage failures
    (the PDF is left for ``render_missing``).
    """
    if not course.certificate_enabled or enrollment.completed_at is None:
        return None
    edition = enrollment.edition or 1
    existing = certificate_of(member.id, course.id, edition)
    if existing is not None:
        return existing
    now = now or utcnow()
    evidence = evidence_mod.evidence_for(course, [member.id]).get(member.id, {})
    values = row_values(member, enrollment.completed_at, course_snapshot(course), evidence, now,
                        edition)
    inserted = _insert_ignoring_duplicates(values)
    certificate = certificate_of(member.id, course.id, edition)
    if inserted and certificate is not None:
        credentials.issue_for(certificate, member, now)
        announce_issued(course.id, [{"certificate_id": certificate.id, "user_id": member.id,
                                     "completed_at": enrollment.completed_at}], now)
        _finish_new(certificate, member, pdf_settings_or_none(), now)
    return certificate


def announce_issued(course_id: int, issued: list[dict], now: datetime) -> None:
    """Tell higher domains (the CE ledger) about certificates inserted in this transaction."""
    if issued:
        signals.certificates_issued.send(course_id, issued=issued, now=now)


def _finish_new(certificate: Certificate, member: User, settings: PdfSettings | None,
                now: datetime) -> None:
    if settings is not None:
        store_pdf(certificate, settings, reason="issued", now=now)
    queue_ready_mail(member.email, certificate.code, certificate.course_title,
                     certificate.ce_hours)


def pdf_settings_or_none() -> PdfSettings | None:
    try:
        return pdf_settings()
    except StorageError:
        log.exception("certificate images unavailable; PDFs left for render-missing")
        return None


def certificate_data(certificate: Certificate | SimpleNamespace) -> CertificateData:
    """The renderer's input, from the snapshot only (never the live course or member)."""
    people = [*certificate.presenters,
              *(name for name in certificate.instructors if name not in certificate.presenters)]
    return CertificateData(
        name=certificate.name, course_title=certificate.course_title,
        format="webinar" if certificate.format == "webinar" else "course",
        ce_hours=certificate.ce_hours, completed_on=certificate.completed_on,
        code=certificate.code, verify_url=verify_url(certificate.code),
        instructors=tuple(people), expires_on=certificate.expires_on)


def save_pdf(pdf: bytes) -> tuple[str, str]:
    """Store PDF bytes under a fresh key (deleted again if the transaction rolls back).

    Returns (key, sha256). Raises StorageError.
    """
    info = get_storage().save(new_key("certificates"), io.BytesIO(pdf), "application/pdf")
    track_stored(info.key)
    return info.key, info.checksum or hashlib.sha256(pdf).hexdigest()


def store_pdf(certificate: Certificate, settings: PdfSettings, *, reason: str,
              now: datetime, actor: User | None = None, strict: bool = False) -> bool:
    """Render, store and record a new PDF version; False when storage failed.

    With ``strict`` a storage failure raises StorageError instead.
    """
    try:
        key, checksum = save_pdf(render_certificate(certificate_data(certificate), settings))
    except StorageError:
        if strict:
            raise
        log.exception("could not store the PDF of certificate %s", certificate.code)
        return False
    certificate.pdf_version += 1
    certificate.pdf_key, certificate.pdf_checksum = key, checksum
    db.session.add(CertificateVersion(
        certificate=certificate, version=certificate.pdf_version, name=certificate.name,
        pdf_key=key, checksum=checksum, created_at=now, reason=reason,
        actor_id=actor.id if actor else None))
    db.session.flush()
    return True


def queue_ready_mail(email: str, code: str, course_title: str, ce_hours: Decimal) -> None:
    body = (f"Congratulations! Your certificate for “{course_title}” is ready: "
            f"{ce_credit(ce_hours)}.\n{CEU_EXPLAINED}\n\n"
            f"Download it: {pdf_url(code)}\n"
            f"Anyone can check it at: {verify_url(code)}\n\n"
            f"Certificate code: {code}\n")
    send_mail(email, "Your certificate is ready", body, key=f"certificate-ready:{code}")


def render_missing(*, now: datetime | None = None, limit: int = 500) -> int:
    """Store PDFs for certificates that have none (storage was down when issued).

    Returns how many were stored. Raises StorageError if storage is still down.
    """
    now = now or utcnow()
    pending = db.session.execute(select(Certificate).where(Certificate.pdf_key.is_(None))
                                 .order_by(Certificate.id).limit(limit)).scalars().all()
    if not pending:
        return 0
    settings = pdf_settings()
    for certificate in pending:
        store_pdf(certificate, settings, reason="issued", now=now, strict=True)
    return len(pending)

