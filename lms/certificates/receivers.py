"""Certificates listen to progress (a course was completed) and catalog (certificates on)."""

from __future__ import annotations

from datetime import datetime

from lms import signals, stored


def connect() -> None:
    stored.install()
    signals.course_completed.connect(on_course_completed)
    signals.certificates_enabled.connect(on_certificates_enabled)


def on_course_completed(course_id: int, *, user, enrollment, now: datetime, **_) -> None:
    """Issue the certificate inside the completing transaction (flush only)."""
    from lms.catalog.models import Course
    from lms.certificates.issuance import issue_certificate
    from lms.extensions import db

    course = db.session.get(Course, course_id)
    if course is not None:
        issue_certificate(user, course, enrollment, now=now)


def on_certificates_enabled(course_id: int, *, actor, **_) -> None:
    """Back-issue (a job) to members who completed before certificates were switched on."""
    from lms.certificates.backissue import start_back_issue

    if actor is not None:
        start_back_issue(actor, course_id)
