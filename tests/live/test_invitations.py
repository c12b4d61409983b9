"""Calendar invitations: parsed back with the ``icalendar`` library, as a calendar would."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from lms.extensions import db
from tests.factories import api_headers, make_user


def _invite(message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def _event(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def _register(client, session, email):
    member = make_user(email=email)
    client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    return member


def test_the_confirmation_carries_a_request_in_utc_with_our_join_page(client, make_session,
                                                                       mail_server):
    session = make_session()
    _register(client, session, "cal@example.org")
    calendar = _invite(mail_server.to("cal@example.org")[0])
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == session.starts_at
    text = calendar.to_ical().decode()
    assert re.search(r"^DTSTART:\d{8}T\d{6}Z\r$", text, re.MULTILINE)
    assert re.search(r"^DTEND:\d{8}T\d{6}Z\r$", text, re.MULTILINE)
    assert str(event["URL"]) == f"http://127.0.0.1:5000/sessions/{session.id}/join"
    assert event["UID"] == f"live-session-{session.id}@127.0.0.1:5000"
    assert int(event["SEQUENCE"]) == 0
    assert "meet.example.org" not in calendar.to_ical().decode()


def test_a_new_time_sends_an_update_with_a_higher_sequence_and_the_same_uid(
        client, auth, make_session, instructor, mail_server):
    session = make_session()
    _register(client, session, "moved@example.org")
    first = _event(_invite(mail_server.to("moved@example.org")[0]))
    new_start = session.starts_at + timedelta(days=1)
    from lms.live.service import update_session

    new_end = new_start + timedelta(hours=1)
    update_session(instructor, session.id, {"starts_at": new_start.isoformat(),
                                            "ends_at": new_end.isoformat()})
    db.session.commit()
    update = mail_server.to("moved@example.org")[-1]
    assert "New time" in update["Subject"]
    event = _event(_invite(update))
    assert event["UID"] == first["UID"]
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    assert event.decoded("DTSTART") == new_start


def test_a_change_that_keeps_the_time_sends_nothing(client, make_session, instructor,
                                                    mail_server):
    from lms.live.service import update_session

    session = make_session()
    _register(client, session, "same@example.org")
    update_session(instructor, session.id, {"capacity": 80})
    db.session.commit()
    assert len(mail_server.to("same@example.org")) == 1


def test_cancelling_sends_method_cancel_to_registered_and_waiting(client, auth, make_session,
                                                                 instructor, mail_server):
    session = make_session(capacity=1)
    _register(client, session, "seat@example.org")
    _register(client, session, "wait@example.org")
    auth.login(instructor.email)
    response = auth.post(f"/studio/sessions/{session.id}/cancel")
    assert response.status_code == 303
    for email in ("seat@example.org", "wait@example.org"):
        cancel = mail_server.to(email)[-1]
        assert cancel["Subject"].startswith("Cancelled")
        calendar = _invite(cancel)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(_event(calendar)["STATUS"]) == "CANCELLED"
        assert int(_event(calendar)["SEQUENCE"]) == 1
    assert client.get(f"/api/v1/sessions/{session.id}").get_json()["status"] == "cancelled"


def test_the_registrant_downloads_the_invitation_others_get_404(client, make_session):
    session = make_session()
    member = _register(client, session, "dl@example.org")
    response = client.get(f"/sessions/{session.id}.ics", headers=api_headers(member))
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    event = _event(Calendar.from_ical(response.data))
    assert event.decoded("DTEND") == session.ends_at
    assert "meet.example.org" not in response.get_data(as_text=True)
    stranger = client.get(f"/sessions/{session.id}.ics", headers=api_headers(make_user()))
    assert stranger.status_code == 404


def test_every_mail_about_a_session_keeps_the_join_url_out(client, make_session, instructor,
                                                           mail_server):
    from lms.live.notify import queue_reminders
    from lms.live.service import cancel_session

    session = make_session(starts_in=timedelta(minutes=50), capacity=1)
    _register(client, session, "a@example.org")
    _register(client, session, "b@example.org")
    queue_reminders(datetime.now(UTC))
    db.session.commit()
    cancel_session(instructor, session.id)
    db.session.commit()
    assert len(mail_server.messages) >= 4
    assert all("meet.example.org" not in m.as_string() for m in mail_server.messages)
