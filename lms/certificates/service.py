"""Reading certificates: verification, a member's list, downloads and the CE transcript.

Nothing here writes: a download streams the stored PDF, it never renders one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms import signals
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates import credentials, transcript_credits
from lms.certificates.codes import normalize_code
from lms.certificates.issuance import pdf_url, verify_url
from lms.certificates.models import REVOKE_CATEGORIES, Certificate
from lms.certificates.pdf import PAGE_SIZES, TranscriptRow, render_transcript
from lms.certificates.settings import pdf_settings
from lms.dates import parse_date
from lms.errors import BadRequest, Forbidden, NotFound, Unauthorized, Unavailable
from lms.extensions import db
from lms.storage import StorageError, get_storage
from lms.units import plain_number


def find(code: str) -> Certificate | None:
    """The certificate with this code, typed in any case, with or without dashes."""
    canonical = normalize_code(code)
    if canonical is None:
        return None
    return db.session.execute(
        select(Certificate).where(Certificate.code == canonical)).scalar_one_or_none()


def get_certificate(code: str) -> Certificate:
    """Raises NotFound for unknown or malformed codes."""
    certificate = find(code)
    if certificate is None:
        raise NotFound("No certificate has this code. Check it and try again.")
    return certificate


@dataclass(frozen=True)
class Verification:
    """What the public may know about a certificate: the contract fields, nothing else."""

    code: str
    valid: bool
    revoked: bool
    expired: bool
    name: str
    course_title: str
    ce_hours: Decimal
    issued_at: datetime
    completed_on: date
    expires_on: date | None
    revoked_at: datetime | None
    revoke_category: str | None

    @property
    def revoke_category_label(self) -> str | None:
        return REVOKE_CATEGORIES.get(self.revoke_category or "", self.revoke_category)


def verify(code: str, today: date) -> Verification:
    """Public facts of the certificate, read only from the database. Raises NotFound."""
    cert = get_certificate(code)
    return Verification(
        code=cert.code, valid=cert.is_valid(today), revoked=cert.is_revoked,
        expired=cert.is_expired(today), name=cert.name, course_title=cert.course_title,
        ce_hours=cert.ce_hours, issued_at=cert.issued_at, completed_on=cert.completed_on,
        expires_on=cert.expires_on, revoked_at=cert.revoked_at,
        revoke_category=cert.revoke_category if cert.is_revoked else None)


def my_certificates(member: User) -> list[Certificate]:
    """The member's certificates, newest completion first."""
    return list(db.session.execute(
        select(Certificate).where(Certificate.user_id == member.id)
        .options(selectinload(Certificate.course))
        .order_by(Certificate.completed_on.desc(), Certificate.id.desc())).scalars())


def certificate_json(cert: Certificate) -> dict:
    return {"code": cert.code, "course_id": cert.course_id, "course_title": cert.course_title,
            "ce_hours": float(cert.ce_hours), "issued_at": cert.issued_at.isoformat(),
            "completed_on": cert.completed_on.isoformat(),
            "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
            "revoked": cert.is_revoked, "pdf_url": pdf_url(cert.code),
            "verify_url": verify_url(cert.code),
            "credential_url": credentials.credential_url(cert.code),
            "linkedin_url": credentials.linkedin_url(cert), "edition": cert.edition}


NOT_YOURS = "You have no certificate with this code. Anyone can check it at its /verify page."


def own_certificate(actor: User | None, code: str) -> Certificate:
    """The actor's own certificate. Raises Unauthorized, NotFound (also for others')."""
    if actor is None:
        raise Unauthorized("Log in first.")
    cert = get_certificate(code)
    if cert.user_id != actor.id:
        raise NotFound(NOT_YOURS)
    return cert


def certificate_for_download(actor: User | None, code: str) -> Certificate:
    """Its member and staff only. Raises Unauthorized, NotFound (also for other members'
    certificates, whose existence is not theirs to learn here), and Unavailable while
    the PDF has not been stored yet."""
    if actor is None:
        raise Unauthorized("Log in to download certificates.")
    cert = get_certificate(code)
    if cert.user_id != actor.id and not actor.is_admin:
        raise NotFound(NOT_YOURS)
    if cert.pdf_key is None:
        raise Unavailable("This certificate's PDF is being prepared. Try again in a few minutes.")
    return cert


def open_pdf(cert: Certificate) -> BinaryIO:
    """The stored PDF as a stream. Raises Unavailable when storage does not answer."""
    try:
        return get_storage().open(cert.pdf_key)
    except StorageError as exc:
        raise Unavailable("Certificates cannot be downloaded right now. Try again soon.") from exc


def download_name(cert: Certificate) -> str:
    return f"certificate-{cert.code}.pdf"


# --- transcript --------------------------------------------------------------


def parse_period(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """``from``/``to`` query values (YYYY-MM-DD, either may be empty). Raises BadRequest."""
    try:
        period = tuple(parse_date(value) if value else None for value in (start, end))
    except ValueError:
        raise BadRequest("from and to must be dates written YYYY-MM-DD.") from None
    if period[0] and period[1] and period[0] > period[1]:
        raise BadRequest("from must not be after to.")
    return period  # type: ignore[return-value]


def transcript_rows(member: User, period: tuple[date | None, date | None]
                    ) -> list[TranscriptRow]:
    """Unrevoked certificates completed in the period (inclusive), oldest first."""
    query = select(Certificate).where(Certificate.user_id == member.id,
                                      Certificate.revoked_at.is_(None))
    if period[0]:
        query = query.where(Certificate.completed_on >= period[0])
    if period[1]:
        query = query.where(Certificate.completed_on <= period[1])
    rows = db.session.execute(query.order_by(Certificate.completed_on, Certificate.id)).scalars()
    return [TranscriptRow(code=c.code, course_title=c.course_title, completed_on=c.completed_on,
                          ce_hours=c.ce_hours, edition=c.edition) for c in rows]


def transcript_pdf(actor: User | None, period: tuple[date | None, date | None]) -> bytes:
    """The member's own CE transcript. Raises Unauthorized, Unavailable (storage for images)."""
    if actor is None:
        raise Unauthorized("Log in to get your transcript.")
    try:
        settings = pdf_settings()
    except StorageError as exc:
        raise Unavailable("Transcripts cannot be made right now. Try again soon.") from exc
    page_width = PAGE_SIZES[settings.page_size][0]
    extra = transcript_credits.flowables(credit_groups(actor, period), page_width - 108)
    return render_transcript(transcript_rows(actor, period), actor.certificate_name or actor.name,
                             period, settings, extra)


def credit_groups(member: User, period: tuple[date | None, date | None]
                  ) -> list[transcript_credits.CreditGroup]:
    """The member's other credits by type, from whichever domain answers (the ledger)."""
    answers = signals.transcript_requested.send(member.id, period=period)
    return [group for _receiver, groups in answers for group in groups or ()]


def safe_cell(value: object) -> str:
    """Neutralise spreadsheet formulas: cells starting with = + - @ (or tab/CR) get a quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def transcript_csv(actor: User | None, period: tuple[date | None, date | None]) -> str:
    """The transcript as CSV, with a total line. Raises Unauthorized."""
    if actor is None:
        raise Unauthorized("Log in to get your transcript.")
    rows = transcript_rows(actor, period)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["completed_on", "course_title", "code", "ce_hours", "edition"])
    for row in rows:
        writer.writerow([row.completed_on.isoformat(), safe_cell(row.course_title),
                         row.code, plain_number(row.ce_hours), row.edition])
    total = sum((row.ce_hours for row in rows), Decimal(0))
    writer.writerow(["", "Total", "", plain_number(total), ""])
    for line in transcript_credits.csv_rows(credit_groups(actor, period)):
        writer.writerow([safe_cell(value) for value in line])
    return buffer.getvalue()


# --- staff overview ------------------------------------------------------------


@dataclass(frozen=True)
class CourseCertificates:
    course_id: int
    title: str
    issued: int
    revoked: int


def course_overview(actor: User | None) -> list[CourseCertificates]:
    """Courses with certificates enabled or issued, with counts (staff only). Raises Forbidden."""
    if actor is None or not actor.is_admin:
        raise Forbidden("Only site staff can manage certificates.")
    issued = func.count(Certificate.id)
    revoked = func.count(Certificate.revoked_at)
    rows = db.session.execute(
        select(Course.id, Course.title, issued, revoked)
        .outerjoin(Certificate, Certificate.course_id == Course.id)
        .group_by(Course.id, Course.title, Course.certificate_enabled)
        .having(or_(Course.certificate_enabled, issued > 0))
        .order_by(Course.title)).all()
    return [CourseCertificates(*row) for row in rows]
