"""A member's whole journey through real pages, on a shipped sample course."""

from __future__ import annotations

import pytest

from lms import ROOT
from lms.extensions import db
from tests.browser import assert_accessible, log_in, tab_to_next_item, wait_until
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def webinar(app_ctx):
    from lms.packages.service import import_course_folder

    course = import_course_folder(make_user(role="instructor"),
                                  ROOT / "courses" / "weeding-without-worry")
    db.session.commit()
    return course


def test_search_enrol_watch_with_captions_and_move_on_by_keyboard(page, webinar):
    log_in(page, make_user().email)
    page.goto("/courses")
    page.fill("input[name=q]", "weeding")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/courses?*q=weeding*")
    assert_accessible(page)
    page.click(f"a[href='/courses/{webinar.slug}']")
    assert_accessible(page)

    page.click("form [type=submit]:has-text('Enrol')")
    page.click("a:has-text('Continue')")
    page.wait_for_url(f"**/learn/{webinar.slug}/items/*")
    wait_until(page, "document.getElementById('video').readyState >= 1")
    page.click("#captions-toggle")
    assert page.evaluate("document.getElementById('video').textTracks[0].mode") == "showing"
    page.evaluate("document.getElementById('video').play()")
    wait_until(page, "document.getElementById('video').currentTime >= 1")
    assert_accessible(page)

    tab_to_next_item(page)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "quiz" in page.inner_text("h1").lower()
