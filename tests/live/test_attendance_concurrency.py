"""Simultaneous imports of one report, and simultaneous confirmations of one co-viewer,
credit each member exactly once (run on PostgreSQL with LMS_TEST_DATABASE_URL)."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.extensions import db, utcnow
from lms.ledger.models import Credit
from lms.live.models import AttendanceImport, GroupViewer
from tests.factories import make_user

DATA = Path(__file__).parent / "data"
CALLS = 8


def at_once(app, send) -> list[int]:
    """``send(client)`` from CALLS threads at once, each with its own client; statuses."""
    def call(_: int) -> int:
        with app.test_client() as client:
            return send(client).status_code

    with ThreadPoolExecutor(CALLS) as pool:
        return list(pool.map(call, range(CALLS)))


def counts(model, user) -> int:
    return db.session.scalar(select(func.count(model.id)).where(model.user_id == user.id))


def test_simultaneous_imports_of_one_report_credit_once(app, held_webinar) -> None:
    report, headers = (DATA / "zoom_participants.csv").read_bytes(), held_webinar.headers()
    url = f"/api/v1/sessions/{held_webinar.session.id}/attendance"
    statuses = at_once(app, lambda client: client.post(
        url, headers=headers, data={"file": (io.BytesIO(report), "report.csv")},
        content_type="multipart/form-data"))
    assert statuses == [200] * CALLS
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AttendanceImport.id))) == 1
    alice = held_webinar.members["alice"]
    assert (counts(Certificate, alice), counts(Credit, alice)) == (1, 1)


def test_simultaneous_confirmations_credit_a_co_viewer_once(app, held_webinar) -> None:
    eve = make_user(email="eve@example.org")
    held_webinar.session.ends_at = utcnow() - timedelta(minutes=1)
    held_webinar.registrations["alice"].group_viewers = [
        GroupViewer(name="Eve", email="eve@example.org")]
    db.session.commit()
    headers = held_webinar.headers("alice")
    url = f"/api/v1/sessions/{held_webinar.session.id}/group-viewers/confirm"
    statuses = at_once(app, lambda client: client.post(
        url, headers=headers, json={"emails": ["eve@example.org"]}))
    assert statuses == [200] * CALLS
    db.session.expire_all()
    assert (counts(Certificate, eve), counts(Credit, eve)) == (1, 1)
