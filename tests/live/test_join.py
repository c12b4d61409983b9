"""Joining: the meeting's address only from 15 minutes before the start to the end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.errors import DomainError
from lms.extensions import db, utcnow
from lms.live.models import Registration
from tests.factories import api_headers, make_user
from tests.live.conftest import JOIN_URL


def _registered(client, session, **user):
    member = make_user(**user)
    response = client.post(f"/api/v1/sessions/{session.id}/registration",
                           headers=api_headers(member))
    assert response.status_code == 201
    return member


def test_before_the_window_join_is_409_with_opens_at_and_no_address(client, make_session):
    session = make_session(starts_in=timedelta(minutes=30))
    member = _registered(client, session)
    response = client.get(f"/api/v1/sessions/{session.id}/join", headers=api_headers(member))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    opens_at = (session.starts_at - timedelta(minutes=15)).isoformat()
    assert response.get_json()["opens_at"] == opens_at
    assert "meet.example.org" not in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Registration.joined_at)) is None


def test_within_the_window_join_redirects_and_records_the_first_click(client, make_session):
    session = make_session(starts_in=timedelta(minutes=10))
    member = _registered(client, session)
    first = client.get(f"/api/v1/sessions/{session.id}/join", headers=api_headers(member))
    assert first.status_code == 302 and first.headers["Location"] == JOIN_URL
    joined = db.session.scalar(db.select(Registration.joined_at))
    assert joined is not None
    again = client.get(f"/api/v1/sessions/{session.id}/join", headers=api_headers(member))
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(Registration.joined_at)) == joined


def test_non_registrants_get_404_and_waiting_members_403(client, make_session):
    session = make_session(starts_in=timedelta(minutes=5), capacity=1)
    _registered(client, session)
    waiting = _registered(client, session)
    stranger = make_user()
    path = f"/api/v1/sessions/{session.id}/join"
    assert client.get(path, headers=api_headers(stranger)).status_code == 404
    assert client.get(path, headers=api_headers(waiting)).status_code == 403
    assert client.get(path).status_code == 401


def test_after_the_end_join_is_409(client, make_session):
    session = make_session(starts_in=timedelta(minutes=5), minutes=30)
    member = _registered(client, session)
    session.starts_at -= timedelta(hours=2)
    session.ends_at = session.starts_at + timedelta(minutes=30)
    db.session.commit()
    response = client.get(f"/api/v1/sessions/{session.id}/join", headers=api_headers(member))
    assert response.status_code == 409


def test_the_join_page_waits_then_redirects(client, auth, make_session):
    early = make_session(starts_in=timedelta(hours=3))
    now_open = make_session(starts_in=timedelta(minutes=14))
    member = make_user(email="joiner@example.org", time_zone="Pacific/Honolulu")
    for session in (early, now_open):
        client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    auth.login(member.email)
    waiting = client.get(f"/sessions/{early.id}/join")
    page = waiting.get_data(as_text=True)
    assert waiting.status_code == 409 and "opens at" in page and "HST" in page
    assert "meet.example.org" not in page
    assert "meet.example.org" not in client.get(f"/sessions/{early.id}").get_data(as_text=True)
    assert client.get(f"/sessions/{now_open.id}/join").headers["Location"] == JOIN_URL
    assert "Join the session" in client.get(f"/sessions/{now_open.id}").get_data(as_text=True)


def test_the_join_page_is_404_for_members_without_a_seat(client, auth, make_session):
    session = make_session(starts_in=timedelta(minutes=5))
    auth.login(make_user(email="nobody@example.org").email)
    assert client.get(f"/sessions/{session.id}/join").status_code == 404


@pytest.mark.parametrize(("starts_in", "cancelled"), [
    (timedelta(minutes=30), False), (timedelta(minutes=10), False),
    (timedelta(minutes=-200), False), (timedelta(minutes=5), True)])
def test_the_seated_fast_path_answers_as_the_general_one(client, make_session, starts_in,
                                                        cancelled):
    """Before, inside and after the window, and cancelled: same address or same error,
    and the first click recorded the same way."""
    from lms.live.registration import _SEAT, _join_general, _join_seated

    session = make_session(starts_in=starts_in, status="cancelled" if cancelled else "scheduled")
    fast_member, general_member = _seated(session), _seated(session)
    now = utcnow()
    seat = db.session.execute(_SEAT, {"session_id": session.id,
                                      "user_id": fast_member.id}).first()
    assert seat is not None
    answers = [_answer(lambda: _join_seated(seat, now)),
               _answer(lambda: _join_general(general_member, session.id, now))]
    db.session.commit()
    assert answers[0] == answers[1]
    clicks = dict(db.session.execute(db.select(Registration.user_id, Registration.joined_at)).all())
    assert clicks[fast_member.id] == clicks[general_member.id]


def _seated(session):
    member = make_user()
    db.session.add(Registration(session_id=session.id, user_id=member.id, status="registered"))
    db.session.commit()
    return member


def _answer(call) -> tuple:
    try:
        return ("address", call())
    except DomainError as error:
        return (type(error).__name__, str(error), getattr(error, "opens_at", None))
