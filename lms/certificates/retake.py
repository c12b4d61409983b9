"""Retakes: a member whose certificate has expired, or is about to, earns it again.

A retake starts a new edition of the member's enrolment (``progress.editions``):
progress starts afresh, earlier progress is archived, and the next completion
issues a certificate of the new edition with its own code (``issuance``). Earlier
certificates keep their codes, PDFs and verification pages.

When it opens: once the member's latest certificate of the course is within the
course's ``renewal_window_days`` of its expiry date, or has expired. A certificate
that never expires, a revoked one, or a retake already under way gives a Conflict
that says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lms.accounts.models import User
from lms.catalog.access import enrollment_of
from lms.catalog.models import Course, Enrollment
from lms.certificates.issuance import certificate_of
from lms.certificates.models import Certificate
from lms.certificates.pdf import format_date
from lms.errors import Conflict, NotFound, Unauthorized
from lms.extensions import db, utcnow
from lms.progress.editions import start_new_edition


@dataclass(frozen=True)
class RetakeCheck:
    """Whether the member may retake now; ``reason`` says why not (None when they may)."""

    course_id: int
    reason: str | None
    #: The member's latest certificate of the course, the one a retake renews.
    certificate_id: int | None = None
    #: When the retake opens (None: never, or it is open already).
    opens_on: date | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is None


def opens_on(certificate: Certificate, course: Course) -> date | None:
    """The first day a retake is allowed (None: the certificate never expires)."""
    if certificate.expires_on is None:
        return None
    return certificate.expires_on - timedelta(days=course.renewal_window_days or 0)


def check(course: Course, enrollment: Enrollment | None, latest: Certificate | None,
          today: date) -> RetakeCheck:
    """The retake rule on plain facts (no queries)."""
    certificate_id = latest.id if latest is not None else None

    def no(reason: str, when: date | None = None) -> RetakeCheck:
        return RetakeCheck(course.id, reason, certificate_id, when)

    if enrollment is None or latest is None:
        return no("You have no certificate for this course to renew: complete it first.")
    if latest.edition < enrollment.edition:
        return no(f"You are already retaking this course (edition {enrollment.edition}): "
                  "complete it to receive your new certificate.")
    if latest.is_revoked:
        return no("Your certificate for this course was revoked; contact the staff.")
    opening = opens_on(latest, course)
    if opening is None:
        return no("Your certificate for this course never expires, so there is nothing to "
                  "renew.")
    if today < opening:
        return no(f"Your certificate is valid until {format_date(latest.expires_on)}; you can "
                  f"retake the course from {format_date(opening)}.", opening)
    if not course.is_published:
        return no("This course is no longer open, so it cannot be retaken.")
    return RetakeCheck(course.id, None, certificate_id)


def retake_check(actor: User, course: Course, today: date) -> RetakeCheck:
    return check(course, enrollment_of(actor, course), certificate_of(actor.id, course.id),
                 today)


def retake_checks(actor: User, certificates: list[Certificate], today: date
                  ) -> dict[int, RetakeCheck]:
    """The check for each course of the member's latest certificates, by course id."""
    latest: dict[int, Certificate] = {}
    for certificate in certificates:
        if certificate.edition >= getattr(latest.get(certificate.course_id), "edition", 0):
            latest[certificate.course_id] = certificate
    return {course_id: check(cert.course, enrollment_of(actor, cert.course), cert, today)
            for course_id, cert in latest.items()}


def start_retake(actor: User | None, course_id: int, *, now: datetime | None = None
                 ) -> tuple[Course, int]:
    """Open the next edition of the actor's enrolment: (the course, the new edition).

    Raises Unauthorized (logged out), NotFound (no such course), Conflict (not
    allowed now, with the reason; or a concurrent retake won). Flushes only.
    """
    if actor is None:
        raise Unauthorized("Log in to retake a course.")
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("No such course.")
    now = now or utcnow()
    enrollment = enrollment_of(actor, course)
    verdict = check(course, enrollment, certificate_of(actor.id, course.id), now.date())
    if not verdict.allowed:
        raise Conflict(verdict.reason)
    edition = start_new_edition(enrollment, course, now)
    if edition is None:
        raise Conflict("You have just started a retake of this course.")
    return course, edition
