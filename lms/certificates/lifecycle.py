"""After issue: revocation, name corrections (reissue), expiry reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import signals
from lms.accounts.models import User
from lms.certificates import credentials
from lms.certificates.issuance import store_pdf, verify_url
from lms.certificates.models import (
    REVOKE_CATEGORIES,
    Certificate,
    CertificateVersion,
    NameChangeRequest,
)
from lms.certificates.pdf import format_date
from lms.certificates.service import get_certificate
from lms.certificates.settings import pdf_settings
from lms.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationError
from lms.extensions import db, utcnow
from lms.mail import send_mail
from lms.storage import StorageError
from lms.text import TextError, clean_text
from lms.web import site_url

REMIND_DAYS = 30


def retake_url(cert: Certificate) -> str:
    """Where the member starts a retake: the button on My certificates."""
    return site_url(f"/my-certificates#retake-{cert.course_id}")


def require_admin(actor: User | None, what: str) -> User:
    if actor is None or not actor.is_admin:
        raise Forbidden(f"Only site staff can {what}.")
    return actor


def revoke(actor: User | None, code: str, reason: str, category: str | None = None, *,
           now: datetime | None = None) -> Certificate:
    """Revoke a certificate with a reason; the category is shown publicly.

    Raises Forbidden (not admin), NotFound, ValidationError (no reason or unknown
    category), Conflict (already revoked).
    """
    require_admin(actor, "revoke certificates")
    cert = get_certificate(code)
    reason = reason.strip() if isinstance(reason, str) else ""
    category = "other" if category in (None, "") else category
    errors = {}
    if not reason or len(reason) > 2000:
        errors["reason"] = ["Say why (up to 2000 characters); staff see it, the public does not."]
    if not isinstance(category, str) or category not in REVOKE_CATEGORIES:
        errors["category"] = [f"Use one of: {', '.join(REVOKE_CATEGORIES)}."]
    if errors:
        raise ValidationError("Please give a reason.", errors=errors)
    if cert.is_revoked:
        raise Conflict("This certificate is already revoked.")
    cert.revoked_at, cert.revoke_reason = now or utcnow(), reason
    cert.revoke_category, cert.revoked_by_id = category, actor.id
    credentials.revoke_for(cert, cert.revoked_at)
    db.session.flush()
    signals.certificate_revoked.send(cert.id, now=cert.revoked_at)
    return cert


def _clean_name(name: str) -> str:
    try:
        return clean_text(name, max_length=200, required=True)
    except TextError as exc:
        plain = ("This field is required.", "At most 200 characters.", "Must be text.")
        message = ("Write the name as it should appear (up to 200 characters)."
                   if str(exc) in plain else str(exc))
        raise ValidationError("Give the corrected name.",
                              errors={"requested_name": [message]}) from None


def request_name_change(actor: User | None, code: str, requested_name: str, note: str = "", *,
                        now: datetime | None = None) -> NameChangeRequest:
    """A member asks staff to correct the name on their certificate.

    Raises Forbidden (not theirs), NotFound, ValidationError, Conflict (one
    request already pending, or the name is unchanged).
    """
    cert = get_certificate(code)
    if actor is None or cert.user_id != actor.id:
        raise Forbidden("You can only ask to correct your own certificates.")
    name = _clean_name(requested_name)
    if name == cert.name:
        raise Conflict("That is already the name on the certificate.")
    if _pending_request(cert.id) is not None:
        raise Conflict("A correction for this certificate is already waiting for staff.")
    request = NameChangeRequest(certificate=cert, requested_by_id=actor.id,
                                current_name=cert.name, requested_name=name,
                                note=(note or "").strip()[:500], created_at=now or utcnow())
    db.session.add(request)
    db.session.flush()
    return request


def _pending_request(certificate_id: int) -> NameChangeRequest | None:
    return db.session.execute(select(NameChangeRequest).where(
        NameChangeRequest.certificate_id == certificate_id,
        NameChangeRequest.status == "pending")).scalar_one_or_none()


def pending_requests(actor: User | None) -> list[NameChangeRequest]:
    require_admin(actor, "see name corrections")
    return list(db.session.execute(
        select(NameChangeRequest).where(NameChangeRequest.status == "pending")
        .options(selectinload(NameChangeRequest.certificate))
        .order_by(NameChangeRequest.created_at)).scalars())


def decide_name_change(actor: User | None, request_id: int, approve: bool, *,
                       now: datetime | None = None) -> NameChangeRequest:
    """Approve (reissue with the new name, same code) or reject a pending request.

    Raises Forbidden, NotFound, Conflict (already decided), Unavailable (storage).
    """
    require_admin(actor, "decide name corrections")
    request = db.session.get(NameChangeRequest, request_id)
    if request is None:
        raise NotFound("No such request.")
    if request.status != "pending":
        raise Conflict("This request has already been decided.")
    now = now or utcnow()
    if approve:
        reissue(actor, request.certificate.code, request.requested_name,
                reason=f"name corrected from “{request.current_name}”", now=now)
    request.status = "approved" if approve else "rejected"
    request.decided_at, request.decided_by_id = now, actor.id
    db.session.flush()
    return request


def reissue(actor: User | None, code: str, name: str, *, reason: str,
            now: datetime | None = None) -> Certificate:
    """Store a new PDF version with a corrected name; the code and history stay.

    Raises Forbidden, NotFound, ValidationError, Unavailable (storage down:
    nothing changes).
    """
    require_admin(actor, "reissue certificates")
    cert = get_certificate(code)
    cert.name = _clean_name(name)
    try:
        store_pdf(cert, pdf_settings(), reason=reason, now=now or utcnow(), actor=actor,
                  strict=True)
    except StorageError as exc:
        raise Unavailable("The new PDF could not be stored. Nothing changed; try again.") from exc
    credentials.reissue_for(cert, now or utcnow())
    return cert


def history(actor: User | None, code: str) -> tuple[Certificate, list[CertificateVersion],
                                                      list[NameChangeRequest]]:
    """A certificate with its PDF versions and name requests, for staff."""
    require_admin(actor, "see certificate history")
    cert = get_certificate(code)
    requests = db.session.execute(select(NameChangeRequest).where(
        NameChangeRequest.certificate_id == cert.id)
        .order_by(NameChangeRequest.created_at)).scalars().all()
    return cert, list(cert.versions), list(requests)


# --- expiry reminders ----------------------------------------------------------


def remind_expiring(*, now: datetime | None = None) -> int:
    """Mail members whose certificate expires within 30 days; once per certificate.

    Idempotent: ``reminded_at`` records the mail. Returns how many were sent.
    """
    now = now or utcnow()
    today = now.date()
    due = db.session.execute(
        select(Certificate).where(
            Certificate.expires_on.is_not(None), Certificate.expires_on >= today,
            Certificate.expires_on <= today + timedelta(days=REMIND_DAYS),
            Certificate.revoked_at.is_(None), Certificate.reminded_at.is_(None))
        .options(selectinload(Certificate.user))).scalars().all()
    for cert in due:
        cert.reminded_at = now
        send_mail(cert.user.email, "Your certificate expires soon", _reminder_body(cert),
                  key=f"certificate-reminder:{cert.code}")
    db.session.flush()
    return len(due)


def _reminder_body(cert: Certificate) -> str:
    """What the member can do before the date, with the link that starts a retake
    (My certificates has the button; the retake opens within the renewal window)."""
    until = format_date(cert.expires_on or date.today())
    return (f"Your certificate for “{cert.course_title}” is valid until {until}.\n\n"
            f"After {until} its verification page will say that it has expired. The CE "
            f"hours it records stay on your CE transcript.\n\n"
            f"To renew it, retake the course: your progress starts afresh and completing "
            f"it again issues a new certificate.\n"
            f"Retake the course: {retake_url(cert)}\n\n"
            f"Before then you may also want to:\n"
            f"- download the certificate and your CE transcript: {site_url('/my-certificates')}\n"
            f"- check with your employer or licensing body what they need once a "
            f"certificate has expired.\n\n"
            f"Verification page: {verify_url(cert.code)}\n"
            f"Certificate code: {cert.code}\n")
