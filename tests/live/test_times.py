"""Times are stored in UTC and shown in each member's zone, across a daylight-saving change.

Auckland leaves daylight saving on Sunday 4 April 2027 (NZDT, UTC+13, becomes NZST,
UTC+12); Honolulu keeps HST (UTC-10) all year. The same two UTC instants a week
apart therefore read an hour apart in Auckland and alike in Honolulu.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.extensions import db
from lms.live.models import LiveSession
from tests.factories import api_headers, make_user

BEFORE = datetime(2027, 4, 2, 20, 0, tzinfo=UTC)
AFTER = datetime(2027, 4, 9, 20, 0, tzinfo=UTC)


def _session(course, starts: datetime) -> LiveSession:
    session = LiveSession(course_id=course.id, starts_at=starts,
                          ends_at=starts + timedelta(minutes=90),
                          join_url="https://meet.example.org/j/7", min_minutes=60)
    db.session.add(session)
    db.session.commit()
    return session


@pytest.mark.parametrize("zone, before, after", [
    ("Pacific/Honolulu", "Friday 2 April 2027, 10:00–11:30 HST",
     "Friday 9 April 2027, 10:00–11:30 HST"),
    ("Pacific/Auckland", "Saturday 3 April 2027, 09:00–10:30 NZDT",
     "Saturday 10 April 2027, 08:00–09:30 NZST"),
])
def test_members_see_sessions_in_their_own_zone(client, auth, webinar, mail_server, zone,
                                                 before, after):
    sessions = [_session(webinar, BEFORE), _session(webinar, AFTER)]
    member = make_user(email="local@example.org", time_zone=zone)
    auth.login(member.email)
    for session, expected in zip(sessions, (before, after), strict=True):
        assert expected in client.get(f"/sessions/{session.id}").get_data(as_text=True)
        client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    bodies = [m.get_body(("plain",)).get_content() for m in mail_server.to("local@example.org")]
    assert before in bodies[0] and after in bodies[1]
    listing = client.get("/my-learning/webinars").get_data(as_text=True)
    assert before in listing and after in listing


def test_the_api_speaks_utc_whatever_the_members_zone(client, webinar):
    session = _session(webinar, BEFORE)
    body = client.get(f"/api/v1/sessions/{session.id}").get_json()
    assert body["starts_at"] == "2027-04-02T20:00:00+00:00"
    assert body["join_opens_at"] == "2027-04-02T19:45:00+00:00"


def test_a_member_who_never_chose_a_zone_reads_utc(app_ctx):
    from lms.live.times import span

    assert span(BEFORE, BEFORE + timedelta(hours=1), None) == \
        "Friday 2 April 2027, 20:00–21:00 UTC"
    assert span(BEFORE, BEFORE + timedelta(hours=1), "Not/AZone").endswith("UTC")
