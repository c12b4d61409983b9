"""The studio attendance page (upload, unmatched rows, manual matching) and the member's
page to confirm colleagues who watched along."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.extensions import db, utcnow
from lms.live.models import GroupViewer
from tests.factories import csrf_from, make_user
from tests.live.factories import register

DATA = Path(__file__).parent / "data"


def certificates_of(member) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.user_id == member.id))


def test_staff_upload_a_report_see_unmatched_rows_and_match_one(client, auth, held_webinar) -> None:
    dana = make_user(email="dana.d@library.example", name="Dana Drop-in")
    register(dana, held_webinar.session)
    auth.login(held_webinar.instructor.email)
    url = f"/studio/sessions/{held_webinar.session.id}/attendance"
    token = csrf_from(client.get(url).get_data(as_text=True))
    report = (DATA / "teams_attendance.csv").read_bytes()
    response = client.post(url, data={"csrf_token": token,
                                      "file": (io.BytesIO(report), "attendance.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "3 registrants matched, 2 newly credited" in page
    assert "dana@elsewhere.example" in page
    registration_id = held_webinar.session.registrations[-1].id
    response = client.post(f"{url}/match", data={
        "csrf_token": token, "key": "dana@elsewhere.example",
        "registration_id": str(registration_id)}, follow_redirects=True)
    assert "the registrant has attended" in response.get_data(as_text=True)
    assert certificates_of(dana) == 1


def test_a_bad_file_shows_why_on_the_form(client, auth, held_webinar) -> None:
    auth.login(held_webinar.instructor.email)
    url = f"/studio/sessions/{held_webinar.session.id}/attendance"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token,
                                      "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "No participant table found" in response.get_data(as_text=True)


def test_other_instructors_cannot_open_the_attendance_page(client, auth, held_webinar) -> None:
    auth.login(make_user(role="instructor").email)
    assert client.get(f"/studio/sessions/{held_webinar.session.id}/attendance").status_code == 403


def test_a_registrant_confirms_colleagues_on_their_page(client, auth, held_webinar) -> None:
    eve = make_user(email="eve@example.org", name="Eve Ellis")
    held_webinar.session.ends_at = utcnow() - timedelta(minutes=5)
    held_webinar.registrations["alice"].group_viewers = [
        GroupViewer(name="Eve Ellis", email="eve@example.org")]
    db.session.commit()
    auth.login(held_webinar.members["alice"].email)
    url = f"/my-learning/sessions/{held_webinar.session.id}/group"
    page = client.get(url).get_data(as_text=True)
    assert "Eve Ellis (eve@example.org)" in page
    response = client.post(url, data={"csrf_token": csrf_from(page),
                                      "email": "eve@example.org"}, follow_redirects=True)
    assert "Confirmed 1 colleague." in response.get_data(as_text=True)
    assert certificates_of(eve) == 1
