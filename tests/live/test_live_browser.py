"""A member's webinar in Chromium: register, take the invitation, join inside the window;
axe finds nothing on the pages, and none scrolls sideways at 320 CSS pixels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from lms.accounts.models import User
from lms.extensions import db
from lms.live.registration import register
from tests.browser import assert_accessible, log_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def auckland_page(browser, live_server):
    """A browser in Auckland: the member's zone comes from it on registering."""
    context = browser.new_context(base_url=live_server.url, timezone_id="Pacific/Auckland",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_register_take_the_invitation_and_join(auckland_page, live_server, make_session,
                                               tmp_path: Path) -> None:
    page = auckland_page
    session = make_session(starts_in=timedelta(minutes=10), capacity=30,
                           join_url=f"{live_server.url}/healthz")
    member = make_user(email="browser-live@example.org")
    log_in(page, member.email)
    page.goto("/webinars")
    page.get_by_role("link", name="Linked data basics").click()
    page.get_by_role("button", name="Register").click()
    page.get_by_text("You are registered.").wait_for()
    db.session.expire_all()
    assert db.session.get(User, member.id).time_zone == "Pacific/Auckland"
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    saved = tmp_path / "invite.ics"
    download.value.save_as(saved)
    [event] = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART") == session.starts_at
    assert str(event["URL"]).endswith(f"/sessions/{session.id}/join")

    page.get_by_role("link", name="Join the session").click()
    page.wait_for_url(f"{live_server.url}/healthz")
    assert page.content().count("ok") >= 1


def test_the_webinar_pages_pass_axe_and_fit_320_pixels(page, make_session, instructor) -> None:
    session = make_session(capacity=1)
    for email in ("taken@example.org", "waiting@example.org"):
        register(make_user(email=email), session.id)
    db.session.commit()
    log_in(page, instructor.email)
    page.goto("/my-learning/webinars")
    page.get_by_role("button", name="Make my calendar address").click()
    page.get_by_label("Calendar address").wait_for()
    paths = ["/webinars", f"/sessions/{session.id}", "/my-learning/webinars",
             f"/studio/courses/{session.course_id}/sessions", f"/studio/sessions/{session.id}",
             f"/studio/sessions/{session.id}/registrants"]
    for path in paths:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(path)
        assert_accessible(page)
        page.set_viewport_size(NARROW)
        page.goto(path)
        assert fits(page), f"{path} scrolls sideways at 320 px"


def test_the_whole_webinar_register_invite_join_attendance_certificate(
        auckland_page, live_server, make_session, webinar, instructor, tmp_path: Path) -> None:
    """One member's webinar end to end: register, take the invitation, join in the window;
    after the session staff import the participant report and the member finds the
    certificate."""
    from lms.catalog.models import Course
    from tests.factories import make_item, make_module

    course = db.session.get(Course, webinar.id)
    course.certificate_enabled = True
    item = make_item(make_module(course, title="Live"), kind="session", title="Live session")
    session = make_session(starts_in=timedelta(minutes=5), minutes=60, item_id=item.id,
                           join_url=f"{live_server.url}/healthz", min_minutes=45)
    member = make_user(email="journey@example.org", name="Jo Journey")
    page = auckland_page
    log_in(page, member.email)
    page.goto(f"/sessions/{session.id}")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("You are registered.").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    saved = tmp_path / "invite.ics"
    download.value.save_as(saved)
    [event] = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART") == session.starts_at
    page.get_by_role("link", name="Join the session").click()
    page.wait_for_url(f"{live_server.url}/healthz")
    page.goto("/")
    page.get_by_role("button", name="Log out").click()

    log_in(page, instructor.email)
    page.goto(f"/studio/sessions/{session.id}/attendance")
    report = tmp_path / "report.csv"
    report.write_text("email,minutes\nJourney@Example.org,58\n")
    page.get_by_label("Participant report (CSV)").set_input_files(str(report))
    page.get_by_role("button", name="Import attendance").click()
    page.get_by_text("1 registrant matched, 1 newly credited").wait_for()
    page.get_by_role("button", name="Log out").click()

    log_in(page, member.email)
    page.goto("/my-certificates")
    page.get_by_text("Linked data basics").first.wait_for()
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    assert fits(page)
