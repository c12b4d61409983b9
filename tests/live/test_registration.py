"""Registering, the waitlist and its promotions, and what members are told."""

from __future__ import annotations

from datetime import timedelta

from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.live.models import GroupViewer, LiveSession, Registration
from tests.factories import api_headers, make_user


def _register(client, user, session, **body):
    return client.post(f"/api/v1/sessions/{session.id}/registration",
                       headers=api_headers(user), json=body)


def _counts(session_id: int) -> tuple[int, int]:
    db.session.expire_all()
    session = db.session.get(LiveSession, session_id)
    return session.registered_count, session.waitlisted_count


def test_a_member_registers_gets_an_invite_and_is_enrolled(client, make_session, mail_server):
    session = make_session()
    member = make_user(email="reader@example.org")
    response = _register(client, member, session)
    assert response.status_code == 201
    assert response.get_json() | {"group_viewers": []} == {
        "status": "registered", "session_id": session.id,
        "ics_url": f"/sessions/{session.id}.ics", "group_viewers": []}
    assert _counts(session.id) == (1, 0)
    assert db.session.scalar(db.select(Enrollment).where(Enrollment.user_id == member.id))
    [mail] = mail_server.to("reader@example.org")
    assert "You are registered" in mail["Subject"]
    assert "meet.example.org" not in mail.as_string()
    again = _register(client, member, session)
    assert again.status_code == 200 and _counts(session.id) == (1, 0)
    assert len(mail_server.to("reader@example.org")) == 1


def test_co_viewers_are_kept_for_the_registrant_to_confirm(client, make_session):
    session = make_session()
    member = make_user(email="lead@example.org")
    response = _register(client, member, session, group_viewers=[
        {"name": "Ana Ruiz", "email": "Ana.Ruiz@Example.org"},
        {"name": "Ben Okafor", "email": "ben@example.org"}])
    assert response.status_code == 201
    viewers = db.session.scalars(db.select(GroupViewer).order_by(GroupViewer.email)).all()
    assert [(v.name, v.email) for v in viewers] == [("Ana Ruiz", "ana.ruiz@example.org"),
                                                     ("Ben Okafor", "ben@example.org")]
    bad = _register(client, make_user(), session, group_viewers=[{"name": "X", "email": "x"}])
    assert bad.status_code == 422 and "group_viewers" in bad.get_json()["errors"]


def test_a_full_session_waitlists_and_cancelling_promotes_the_longest_waiting(
        client, make_session, mail_server):
    session = make_session(capacity=2)
    members = [make_user(email=f"m{n}@example.org") for n in range(5)]
    statuses = [_register(client, m, session).get_json()["status"] for m in members]
    assert statuses == ["registered", "registered", "waitlisted", "waitlisted", "waitlisted"]
    assert _counts(session.id) == (2, 3)
    assert "waitlist" in mail_server.to("m2@example.org")[0]["Subject"]

    gone = client.delete(f"/api/v1/sessions/{session.id}/registration",
                         headers=api_headers(members[0]))
    assert gone.status_code == 204
    assert _counts(session.id) == (2, 2)
    assert _status(members[2], session) == "registered"
    assert _status(members[3], session) == "waitlisted"
    promoted = mail_server.to("m2@example.org")[-1]
    assert "A seat is yours" in promoted["Subject"]
    assert any(part.get_content_type() == "text/calendar" for part in promoted.walk())

    client.delete(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(members[4]))
    assert _counts(session.id) == (2, 1)  # a waiting member leaving promotes nobody
    client.delete(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(members[1]))
    assert _status(members[3], session) == "registered" and _counts(session.id) == (2, 0)


def _status(user, session) -> str:
    db.session.expire_all()
    return db.session.scalar(db.select(Registration.status).where(
        Registration.user_id == user.id, Registration.session_id == session.id))


def test_cancelling_without_a_registration_is_404(client, make_session):
    session = make_session()
    response = client.delete(f"/api/v1/sessions/{session.id}/registration",
                             headers=api_headers(make_user()))
    assert response.status_code == 404


def test_a_cancelled_or_ended_session_takes_no_registrations(client, make_session):
    ended = make_session(starts_in=timedelta(days=-1))
    cancelled = make_session(status="cancelled")
    member = make_user()
    assert _register(client, member, ended).status_code == 409
    assert _register(client, member, cancelled).status_code == 409


def test_more_seats_promote_from_the_waitlist(client, make_session, instructor):
    session = make_session(capacity=1)
    first, second = make_user(), make_user()
    _register(client, first, session)
    _register(client, second, session)
    from lms.live.service import update_session

    update_session(instructor, session.id, {"capacity": 5})
    db.session.commit()
    assert _status(second, session) == "registered" and _counts(session.id) == (2, 0)


def test_the_member_page_registers_and_cancels_with_csrf_forms(client, auth, make_session):
    session = make_session(capacity=1)
    member = make_user(email="page@example.org")
    auth.login(member.email)
    page = client.get(f"/sessions/{session.id}")
    assert page.status_code == 200 and b"Register" in page.data
    refused = client.post(f"/sessions/{session.id}/register", data={})
    assert refused.status_code == 400 and _status(member, session) is None
    done = auth.post(f"/sessions/{session.id}/register",
                     data={"time_zone": "Pacific/Auckland",
                           "group_viewers": "Ana Ruiz, ana@example.org"})
    assert done.status_code == 303 and _status(member, session) == "registered"
    db.session.refresh(member)
    assert member.time_zone == "Pacific/Auckland"  # taken from the browser: none was set
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "You are registered" in page and "Cancel my registration" in page
    assert "meet.example.org" not in page
    auth.post(f"/sessions/{session.id}/cancel")
    assert _status(member, session) == "cancelled"
