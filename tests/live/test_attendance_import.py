"""POST /api/v1/sessions/{id}/attendance: the report credits registrants who attended at
least min_minutes; certificates and CE credits follow once; a re-import changes nothing;
unmatched rows are listed; bad files change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.ledger.models import Credit
from lms.live.models import AttendanceImport, Registration
from tests.factories import api_headers, make_user

DATA = Path(__file__).parent / "data"


def upload(client, held_webinar, name: str | None = None, data: bytes | None = None,
           headers: dict | None = None):
    body = data if data is not None else (DATA / name).read_bytes()
    return client.post(f"/api/v1/sessions/{held_webinar.session.id}/attendance",
                       headers=headers or held_webinar.headers(),
                       data={"file": (io.BytesIO(body), name or "report.csv")},
                       content_type="multipart/form-data")


def certified(member) -> bool:
    return db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.user_id == member.id)) == 1


def credits_of(member) -> list[Credit]:
    return list(db.session.scalars(select(Credit).where(Credit.user_id == member.id)))


@pytest.mark.parametrize("name", ["zoom_participants.csv", "teams_attendance.csv",
                                  "teams_full_name.csv", "plain_minutes.csv"])
def test_the_report_credits_the_members_who_attended_long_enough(
        client, held_webinar, name) -> None:
    response = upload(client, held_webinar, name)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["matched"], body["credited"]) == (3, 2)
    assert "dana@elsewhere.example" in body["unmatched"]
    db.session.expire_all()
    alice, bob, carol = (held_webinar.members[n] for n in ("alice", "bob", "carol"))
    assert certified(alice) and certified(carol)
    assert not certified(bob)  # 35 minutes: overlapping devices are not counted twice
    assert db.session.get(Registration, held_webinar.registrations["bob"].id).attended_minutes == 35
    [credit] = credits_of(alice)
    assert (credit.source, float(credit.amount)) == ("certificate", 1.5)


def test_the_same_file_again_changes_nothing(client, held_webinar) -> None:
    first = upload(client, held_webinar, "zoom_participants.csv").get_json()
    again = upload(client, held_webinar, "zoom_participants.csv").get_json()
    assert again["credited"] == 0 and again["repeated"] is True
    assert again["unmatched"] == first["unmatched"]
    assert db.session.scalar(select(func.count(AttendanceImport.id))) == 1
    assert len(credits_of(held_webinar.members["alice"])) == 1


def test_another_report_of_the_same_session_credits_no_one_twice(client, held_webinar) -> None:
    upload(client, held_webinar, "zoom_participants.csv")
    body = upload(client, held_webinar, "teams_attendance.csv").get_json()
    assert (body["matched"], body["credited"]) == (3, 0)
    assert len(credits_of(held_webinar.members["carol"])) == 1


def test_unmatched_rows_include_guests_without_an_email(client, held_webinar) -> None:
    body = upload(client, held_webinar, "zoom_participants.csv").get_json()
    assert sorted(body["unmatched"]) == ["Call-in User_1", "dana@elsewhere.example",
                                         "host@example.org"]


def test_a_file_that_is_not_a_report_is_refused_and_changes_nothing(client, held_webinar) -> None:
    response = upload(client, held_webinar, data=b"name,colour\nAna,blue\n")
    assert response.status_code == 400
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert "participant table" in problem["errors"]["file"][0]
    assert db.session.scalar(select(func.count(AttendanceImport.id))) == 0


def test_a_request_without_a_file_is_refused(client, held_webinar) -> None:
    response = client.post(f"/api/v1/sessions/{held_webinar.session.id}/attendance",
                           headers=held_webinar.headers(), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("role, status", [("member", 403), ("instructor", 403)])
def test_only_the_course_instructors_and_admins_import(client, held_webinar, role, status) -> None:
    response = upload(client, held_webinar, "plain_minutes.csv",
                      headers=api_headers(make_user(role=role)))
    assert response.status_code == status
    assert db.session.scalar(select(func.count(AttendanceImport.id))) == 0


def test_an_admin_imports(client, held_webinar) -> None:
    response = upload(client, held_webinar, "plain_minutes.csv",
                      headers=api_headers(make_user(role="admin")))
    assert response.get_json()["credited"] == 2


def test_staff_match_an_unmatched_row_to_a_registrant(client, held_webinar) -> None:
    from tests.live.factories import register

    dana = make_user(email="dana.d@library.example", name="Dana Drop-in")
    registration = register(dana, held_webinar.session)
    upload(client, held_webinar, "zoom_participants.csv")
    response = client.post(f"/api/v1/sessions/{held_webinar.session.id}/attendance/matches",
                           headers=held_webinar.headers(),
                           json={"key": "dana@elsewhere.example",
                                 "registration_id": registration.id})
    assert response.get_json() == {"credited": True}
    assert certified(dana)
    again = upload(client, held_webinar, "zoom_participants.csv").get_json()
    assert "dana@elsewhere.example" not in again["unmatched"]


def test_a_file_over_the_limit_is_refused_as_too_large(client, held_webinar, monkeypatch) -> None:
    from lms.live import attendance

    monkeypatch.setattr(attendance, "MAX_BYTES", 100)
    response = upload(client, held_webinar, "zoom_participants.csv")
    assert response.status_code == 413
    assert db.session.scalar(select(func.count(AttendanceImport.id))) == 0
