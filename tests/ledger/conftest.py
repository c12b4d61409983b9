"""Ledger fixtures: the ce-hours type, certificates issued through the real service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.extensions import db
from tests.factories import enrol, make_course, make_user


@pytest.fixture
def ce_hours(app_ctx):
    """The ``ce-hours`` type (the migration makes it; tests build the schema with create_all)."""
    from lms.ledger.types import default_type

    found = default_type()
    db.session.commit()
    return found


@pytest.fixture
def state_hours(app_ctx):
    from lms.ledger.models import CreditType

    found = CreditType(slug="state-hours", name="State hours", unit="hours")
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def issue(app_ctx, monkeypatch):
    """``issue(member=None, course=None, completed_at=None)``: a certificate issued by the
    service (no PDF: these tests are about credits); commits."""
    from lms.certificates import issuance

    monkeypatch.setattr(issuance, "pdf_settings_or_none", lambda: None)

    def run(member=None, course=None, completed_at=None):
        member = member or make_user()
        course = course or make_course(certificate_enabled=True)
        completed_at = completed_at or datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
        enrollment = enrol(member, course, completed_at=completed_at)
        certificate = issuance.issue_certificate(member, course, enrollment, now=completed_at)
        db.session.commit()
        return certificate

    return run


def credits_of(user_id: int) -> list:
    from lms.ledger.models import Credit

    db.session.expire_all()
    return db.session.execute(db.select(Credit).where(Credit.user_id == user_id)
                              .order_by(Credit.id)).scalars().all()
