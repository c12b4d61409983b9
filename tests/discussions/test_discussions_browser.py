"""In Chromium, by keyboard: ask beside a video, get an instructor's answer, see the notice."""

from __future__ import annotations

import pytest

from lms.extensions import db
from tests.browser import assert_accessible, log_in
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user
from tests.progress.test_player_browser import stored_media, tiny_webm

pytestmark = pytest.mark.browser


def tab_to(page, text: str, presses: int = 80) -> None:
    """Press Tab until the focused element's text or label holds ``text``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const l = e.labels && e.labels[0];"
            " return (e.innerText || '') + ' ' + (l ? l.innerText : ''); })()")
        if text in focused:
            return
    pytest.fail(f"{text!r} is not reachable with Tab")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_ask_beside_a_video_get_an_answer_and_the_notification(page, app_ctx, client):
    instructor = make_user(role="instructor", name="Irene Instructor")
    member = make_user(name="Maya Member")
    course = make_course(instructors=[instructor], title="Cataloguing basics")
    module = make_module(course, title="Getting started")
    video = make_item(module, kind="video", title="Welcome recording", body="",
                      media=stored_media(tiny_webm(2), "video/webm", "video",
                                         duration_seconds=2, original_name="w.webm"))
    enrol(member, course)
    instructor_headers = api_headers(instructor)
    db.session.commit()

    page.set_viewport_size({"width": 320, "height": 700})
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{video.id}")
    assert page.get_by_role("heading", name="Questions about this item").is_visible()
    assert no_sideways_scroll(page)
    tab_to(page, "Ask a question")
    page.keyboard.press("Enter")
    tab_to(page, "Kind")
    tab_to(page, "Title")
    page.keyboard.type("Where do subtitles come from?")
    tab_to(page, "Your question or topic")
    page.keyboard.type("Are the captions **human** made?")
    tab_to(page, "Post")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Where do subtitles come from?").wait_for()
    assert "human" in page.locator(".post-body strong").first.inner_text()
    assert_accessible(page)
    assert no_sideways_scroll(page)

    thread_id = int(page.url.rsplit("/", 1)[1])
    answer = client.post(f"/api/v1/threads/{thread_id}/posts", headers=instructor_headers,
                         json={"body": "Yes: a person edits every caption file."})
    assert answer.status_code == 201

    page.goto("/")
    badge = page.locator('header a:has-text("Notifications") .badge')
    assert badge.inner_text() == "1"
    tab_to(page, "Notifications")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Notifications").wait_for()
    assert_accessible(page)
    tab_to(page, "Irene Instructor replied")
    page.keyboard.press("Enter")
    page.get_by_text("a person edits every caption file").wait_for()
    assert page.locator(".badge-instructor").first.is_visible()
    assert_accessible(page)
    page.goto(f"/courses/{course.slug}/discussions")
    assert_accessible(page)
    assert no_sideways_scroll(page)
