"""In Chromium: staff upload a participant report on the studio attendance page and see
the unmatched rows; the member who attended then finds their certificate. Axe finds
nothing and the pages work at 320 CSS pixels."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import assert_accessible, log_in

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data"
NARROW = {"width": 320, "height": 640}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_import_attendance_and_the_member_gets_the_certificate(page, held_webinar) -> None:
    log_in(page, held_webinar.instructor.email)
    page.set_viewport_size(NARROW)
    page.goto(f"/studio/sessions/{held_webinar.session.id}/attendance")
    assert fits(page)
    assert_accessible(page)
    page.get_by_label("Participant report (CSV)").set_input_files(
        str(DATA / "zoom_participants.csv"))
    page.get_by_role("button", name="Import attendance").click()
    page.get_by_text("3 registrants matched, 2 newly credited").wait_for()
    unmatched = page.get_by_role("region", name="Unmatched rows")
    for row in ("dana@elsewhere.example", "Call-in User_1"):
        assert unmatched.get_by_role("rowheader", name=row).is_visible()
    assert fits(page), "the attendance page scrolls sideways at 320 px"
    assert_accessible(page)
    page.get_by_role("button", name="Log out").click()

    log_in(page, held_webinar.members["alice"].email)
    page.goto("/my-certificates")
    page.get_by_text(held_webinar.course.title).first.wait_for()
    assert fits(page)
    assert_accessible(page)
