"""An instructor builds and publishes a course in a real browser; axe-core finds no violations."""

from __future__ import annotations

import re

import pytest

from tests.browser import assert_accessible, log_in
from tests.factories import make_course, make_media, make_user

pytestmark = pytest.mark.browser


def test_instructor_creates_previews_and_publishes(page, app_ctx):
    teacher = make_user(role="instructor", name="Ana Lima")
    log_in(page, teacher.email)
    page.get_by_role("link", name="Studio").click()
    page.get_by_role("link", name="New course").click()
    page.get_by_label("Title").fill("Readers' Advisory Basics")
    page.get_by_label("Summary").fill("Help every reader find their next book.")
    page.get_by_label("CE hours").fill("1.5")
    page.get_by_role("button", name="Create draft").click()

    page.get_by_text("Course created as a draft").wait_for()
    page.get_by_label("Module title").fill("Getting started")
    page.get_by_role("button", name="Add module").click()
    page.get_by_role("heading", name="1. Getting started").wait_for()
    page.get_by_role("link", name="Reading item to Getting started").click()

    page.get_by_label("Title").fill("The appeal of a book")
    page.get_by_label("Text").fill("## Appeal\n\nPacing, **tone** and <script>x()</script>"
                                   "[story](javascript:alert(1)).")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview .rendered")
    preview.get_by_role("heading", name="Appeal").wait_for()
    assert preview.locator("strong").inner_text() == "tone"
    assert preview.locator("script").count() == 0
    assert page.get_by_label("Text").input_value().startswith("## Appeal"), "text is kept"
    page.get_by_role("button", name="Add item").click()
    page.get_by_text("Item added").wait_for()

    page.get_by_role("link", name="Details and publishing").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_text("Published: the course is in the catalog.").wait_for()
    assert re.search(r"Status: published", page.content())


def test_studio_pages_pass_axe(page, app_ctx):
    teacher = make_user(role="instructor")
    course = make_course(instructors=[teacher], modules=2, items_per_module=2, status="draft",
                         title="Collections Care")
    module = course.modules[0]
    make_media(uploader_id=teacher.id, status="pending", original_name="lecture.mp4")
    log_in(page, teacher.email)
    paths = ["/studio/", "/studio/courses/new", f"/studio/courses/{course.id}",
             f"/studio/courses/{course.id}/outline", f"/studio/courses/{course.id}/instructors",
             f"/studio/modules/{module.id}", f"/studio/modules/{module.id}/items/new/video",
             f"/studio/modules/{module.id}/items/new/file",
             f"/studio/modules/{module.id}/items/new/quiz", f"/studio/items/{module.items[0].id}"]
    for path in paths:
        page.goto(path)
        assert_accessible(page)
    page.goto(f"/studio/courses/{course.id}")
    page.get_by_label("CE hours").fill("0")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("CE hours must be more than 0").wait_for()
    assert_accessible(page)
    page.goto(f"/studio/modules/{module.id}/items/new/video")
    page.get_by_label("Title", exact=True).fill("Lecture")
    page.get_by_label("Recording", exact=True).select_option(label="lecture.mp4 (pending)")
    page.get_by_role("button", name="Add item").click()
    page.get_by_text("Item added").wait_for()
    page.goto(f"/studio/courses/{course.id}")
    page.get_by_role("button", name="Publish", exact=True).click()
    refusal = page.locator("#publish-refusal")
    refusal.get_by_text(re.compile("Lecture.*pending")).wait_for()
    assert_accessible(page)
