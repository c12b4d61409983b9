"""Scheduling sessions and listing them through the API (API.md, Live webinars)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.catalog.models import Topic
from lms.extensions import db
from tests.factories import api_headers, make_course, make_user
from tests.live.conftest import JOIN_URL


def _later(days: int, hour: int = 15) -> datetime:
    day = datetime.now(UTC) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def _body(days: int = 3, **over) -> dict:
    start = _later(days)
    body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=90)).isoformat(),
            "capacity": 50, "join_url": JOIN_URL, "min_minutes": 60}
    return body | over


def test_an_instructor_schedules_a_session_in_utc_without_its_join_url(client, webinar,
                                                                       instructor):
    body = _body(starts_at="2030-03-03T09:00:00-10:00", ends_at="2030-03-03T10:30:00-10:00")
    response = client.post(f"/api/v1/courses/{webinar.id}/sessions",
                           headers=api_headers(instructor), json=body)
    assert response.status_code == 201, response.get_json()
    session = response.get_json()
    assert session["starts_at"] == "2030-03-03T19:00:00+00:00"
    assert session["ends_at"] == "2030-03-03T20:30:00+00:00"
    assert session | {"id": 0} == session | {
        "id": 0, "course_id": webinar.id, "capacity": 50, "registered": 0, "waitlisted": 0,
        "status": "scheduled", "min_minutes": 60}
    assert "meet.example.org" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("member", 403), ("instructor", 403), ("admin", 201)])
def test_only_its_instructors_and_admins_schedule(client, webinar, role, status):
    other = make_user(role=role)
    response = client.post(f"/api/v1/courses/{webinar.id}/sessions", headers=api_headers(other),
                           json=_body())
    assert response.status_code == status


@pytest.mark.parametrize("over, field", [
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"starts_at": "2030-03-03T09:00:00"}, "starts_at"),
    ({"ends_at": "2020-01-01T00:00:00Z", "starts_at": "2019-12-31T23:00:00Z"}, "ends_at"),
    ({"capacity": 0}, "capacity"),
    ({"join_url": "javascript:alert(1)"}, "join_url"),
    ({"min_minutes": 500}, "min_minutes"),
])
def test_bad_fields_are_named_and_nothing_is_saved(client, webinar, instructor, over, field):
    from lms.live.models import LiveSession

    response = client.post(f"/api/v1/courses/{webinar.id}/sessions",
                           headers=api_headers(instructor), json=_body(**over))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count(LiveSession.id))) == 0


def test_anyone_lists_sessions_of_published_courses_soonest_first(client, make_session,
                                                                   instructor):
    draft = make_course(instructors=[instructor], status="draft")
    later = make_session(starts_in=timedelta(days=5))
    sooner = make_session(starts_in=timedelta(days=1), capacity=10)
    make_session(starts_in=timedelta(days=2), course=draft)
    make_session(starts_in=timedelta(days=-3))  # ended
    response = client.get("/api/v1/sessions")
    listing = response.get_json()
    assert response.status_code == 200
    assert [s["id"] for s in listing["items"]] == [sooner.id, later.id]
    assert listing["total"] == 2 and listing["page"] == 1 and listing["per_page"] == 20
    assert "join_url" not in listing["items"][0]
    assert "meet.example.org" not in response.get_data(as_text=True)


def test_sessions_filter_by_dates_and_topic(client, make_session, webinar, instructor):
    topic = Topic(slug="cataloguing", name="Cataloguing")
    webinar.topics.append(topic)
    db.session.commit()
    other = make_course(instructors=[instructor])
    in_topic = make_session(starts_in=timedelta(days=3))
    make_session(starts_in=timedelta(days=3), course=other)
    make_session(starts_in=timedelta(days=20))
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    response = client.get(f"/api/v1/sessions?from={day}&to={day}&topic=cataloguing")
    assert [s["id"] for s in response.get_json()["items"]] == [in_topic.id]
    assert client.get("/api/v1/sessions?from=soon").status_code == 400


def test_status_follows_the_clock_and_cancellation(app_ctx, make_session):
    from lms.live.service import status_of

    session = make_session(starts_in=timedelta(hours=1), minutes=60)
    start = session.starts_at
    assert status_of(session, start - timedelta(seconds=1)) == "scheduled"
    assert status_of(session, start) == "live"
    assert status_of(session, start + timedelta(minutes=60)) == "ended"
    session.status = "cancelled"
    assert status_of(session, start) == "cancelled"
