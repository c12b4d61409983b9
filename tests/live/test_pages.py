"""Member and studio pages: the public calendar (cached, refreshed on change), the
member's feed, and the studio's schedule, edit, cancel and registrants pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from lms.accounts.models import User
from lms.catalog.models import Topic
from lms.extensions import db
from lms.live.models import LiveSession
from tests.factories import api_headers, make_course, make_user


def test_webinars_lists_upcoming_sessions_with_a_topic_filter(client, make_session, webinar,
                                                              instructor):
    webinar.topics.append(Topic(slug="metadata", name="Metadata"))
    db.session.commit()
    other = make_course(instructors=[instructor], title="Budgeting for branches")
    make_session()
    make_session(course=other)
    page = client.get("/webinars").get_data(as_text=True)
    assert "Linked data basics" in page and "Budgeting for branches" in page
    filtered = client.get("/webinars?topic=metadata").get_data(as_text=True)
    assert "Linked data basics" in filtered and "Budgeting for branches" not in filtered
    assert "meet.example.org" not in page


def test_the_anonymous_calendar_is_cached_and_refreshed_when_a_session_changes(
        client, make_session, instructor):
    from lms.live.service import update_session

    session = make_session(capacity=10)
    first = client.get("/webinars")
    assert "10 seats left" in first.get_data(as_text=True)
    assert "Set-Cookie" not in first.headers
    member = make_user()
    client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    assert "9 seats left" in client.get("/webinars").get_data(as_text=True)
    update_session(instructor, session.id, {"capacity": 20})
    db.session.commit()
    assert "19 seats left" in client.get("/webinars").get_data(as_text=True)


def test_the_member_feed_lists_their_sessions_until_its_address_is_reset(client, auth,
                                                                          make_session):
    session = make_session()
    make_session(starts_in=timedelta(days=4))  # not registered: not in the feed
    member = make_user(email="feed@example.org")
    client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    auth.login(member.email)
    page = client.get("/my-learning/webinars").get_data(as_text=True)
    assert "Linked data basics" in page and "/calendar/" not in page
    auth.post("/my-learning/webinars/feed")
    url = _feed_path(client.get("/my-learning/webinars").get_data(as_text=True))
    client_without_login = client.application.test_client()
    response = client_without_login.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert [e.decoded("DTSTART") for e in events] == [session.starts_at]
    assert "meet.example.org" not in response.get_data(as_text=True)
    auth.post("/my-learning/webinars/feed")
    assert client_without_login.get(url).status_code == 404
    assert client_without_login.get(url.replace("-1-", "-2-")).status_code == 404


def _feed_path(html: str) -> str:
    start = html.index("/calendar/")
    return html[start:html.index('"', start)]


def test_the_studio_schedules_edits_cancels_and_lists_registrants(client, auth, webinar,
                                                                  instructor, mail_server):
    instructor.time_zone = "Pacific/Auckland"
    db.session.commit()
    auth.login(instructor.email)
    page = client.get(f"/studio/courses/{webinar.id}/sessions")
    assert page.status_code == 200 and "Pacific/Auckland" in page.get_data(as_text=True)
    created = auth.post(f"/studio/courses/{webinar.id}/sessions", data={
        "starts_at": "2030-07-01T10:00", "ends_at": "2030-07-01T11:30", "capacity": "1",
        "join_url": "https://meet.example.org/j/42", "min_minutes": ""})
    assert created.status_code == 303
    session = db.session.scalars(db.select(LiveSession)).one()
    assert session.starts_at == datetime(2030, 6, 30, 22, 0, tzinfo=UTC)  # NZST is UTC+12
    assert session.min_minutes == 67
    for email in ("one@example.org", "two@example.org"):
        client.post(f"/api/v1/sessions/{session.id}/registration",
                    headers=api_headers(make_user(email=email, name=email[:3].title())))
    listing = client.get(f"/studio/sessions/{session.id}/registrants").get_data(as_text=True)
    assert "one@example.org" in listing and "Waitlist (1)" in listing
    moved = auth.post(f"/studio/sessions/{session.id}", data={
        "starts_at": "2030-07-02T10:00", "ends_at": "2030-07-02T11:30", "capacity": "1",
        "join_url": "https://meet.example.org/j/42", "min_minutes": "60"})
    assert moved.status_code == 303
    assert [m["Subject"] for m in mail_server.to("one@example.org")][-1].startswith("New time")
    assert mail_server.to("two@example.org")[-1]["Subject"].startswith("You are on the waitlist")
    bad = auth.post(f"/studio/sessions/{session.id}", data={
        "starts_at": "2030-07-02T10:00", "ends_at": "2030-07-02T09:00",
        "join_url": "https://meet.example.org/j/42"})
    assert bad.status_code == 422 and "Must be after the start" in bad.get_data(as_text=True)
    auth.post(f"/studio/sessions/{session.id}/cancel")
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).status == "cancelled"


def test_other_instructors_cannot_see_a_courses_sessions(client, auth, make_session):
    session = make_session()
    auth.login(make_user(role="instructor").email)
    assert client.get(f"/studio/sessions/{session.id}").status_code == 403
    assert client.get(f"/studio/sessions/{session.id}/registrants").status_code == 403


def test_my_learning_shows_the_next_sessions_only_to_registrants(client, auth, make_session):
    session = make_session()
    member = make_user(email="dash@example.org", time_zone="Pacific/Honolulu")
    auth.login(member.email)
    assert "Your upcoming webinars" not in client.get("/my-learning").get_data(as_text=True)
    client.post(f"/api/v1/sessions/{session.id}/registration", headers=api_headers(member))
    page = client.get("/my-learning").get_data(as_text=True)
    assert "Your upcoming webinars" in page and "Linked data basics" in page and "HST" in page


def test_the_studio_and_the_session_page_lead_to_attendance_and_co_viewers(client, auth,
                                                                          held_webinar):
    """After the session its instructors reach the attendance import from the session list,
    and a registrant reaches the page confirming who watched with them."""
    session = held_webinar.session
    auth.login(held_webinar.instructor.email)
    listing = client.get(f"/studio/courses/{held_webinar.course.id}/sessions").get_data(True)
    assert f"/studio/sessions/{session.id}/attendance" in listing
    auth.logout()
    auth.login(held_webinar.members["alice"].email)
    page = client.get(f"/sessions/{session.id}").get_data(True)
    assert f"/my-learning/sessions/{session.id}/group" in page


def test_the_course_page_lists_its_upcoming_sessions_only(client, make_session, webinar):
    from lms.catalog.models import Course

    webinar_course = db.session.get(Course, webinar.id)
    webinar_course.status = "published"
    db.session.commit()
    soon = make_session(starts_in=timedelta(days=1), capacity=30)
    make_session(starts_in=timedelta(days=-3))  # over
    make_session(starts_in=timedelta(days=2), status="cancelled")
    page = client.get(f"/courses/{webinar.slug}").get_data(as_text=True)
    assert page.count("/sessions/") == 1
    assert f'href="/sessions/{soon.id}"' in page
    assert "30 seats left" in page


def test_my_learning_keeps_the_webinars_section_until_the_members_places_change(
        client, auth, make_session, count_queries):
    from lms.live.registration import cancel_registration, register

    session = make_session(starts_in=timedelta(days=3))
    member = make_user(email="kept@example.org")
    register(member, session.id)
    db.session.commit()
    auth.login(member.email)
    first = client.get("/my-learning").get_data(as_text=True)
    assert "Your upcoming webinars" in first
    db.session.expunge_all()
    with count_queries() as warm:
        client.get("/my-learning")
    db.session.expunge_all()
    moved = db.session.get(LiveSession, session.id)
    moved.starts_at += timedelta(days=1)  # the studio moves the session: the page follows
    moved.ends_at += timedelta(days=1)
    db.session.commit()
    with count_queries() as fresh:
        page = client.get("/my-learning").get_data(as_text=True)
    db.session.expunge_all()
    with count_queries() as kept:
        client.get("/my-learning")
    assert fresh.count > warm.count == kept.count  # read again once, then kept
    assert page != first
    cancel_registration(db.session.get(User, member.id), session.id)
    db.session.commit()
    assert "Your upcoming webinars" not in client.get("/my-learning").get_data(as_text=True)
