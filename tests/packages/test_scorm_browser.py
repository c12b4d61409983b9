"""SCORM packages in Chromium: the sample SCO finds the runtime, reports, and the item and
course complete; a returning member resumes; the player page passes axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.progress.models import ItemProgress, PackageRuntime
from tests.browser import assert_accessible, log_in
from tests.factories import enrol, make_course, make_user
from tests.packages import scorm_samples as samples

pytestmark = pytest.mark.browser


def package_course(data: bytes, title: str):
    """A course whose only item plays ``data``, and an enrolled member."""
    course = make_course(title=title)
    item, _ = samples.stored_package(data, course, title=title)
    member = make_user()
    enrol(member, course)
    return course, item, member


def package_frame(page):
    page.wait_for_selector("iframe.package-frame")
    # The player frames the launcher (content origin), which frames the package.
    frame = page.frame_locator("iframe.package-frame").frame_locator("#package-content")
    frame.locator("#state").filter(has_text="initialised").wait_for()
    return frame


def completed(member, item) -> bool:
    db.session.expire_all()
    row = db.session.execute(select(ItemProgress).where(
        ItemProgress.user_id == member.id, ItemProgress.item_id == item.id)).scalar_one_or_none()
    return row is not None and row.status == "completed"


def course_completed(member, course) -> bool:
    db.session.expire_all()
    return db.session.execute(select(Enrollment.completed_at).where(
        Enrollment.user_id == member.id, Enrollment.course_id == course.id)).scalar() is not None


def test_scorm12_sample_completes_the_item_and_the_course(page, app_ctx):
    course, item, member = package_course(samples.scorm12_zip(status="passed", score=85),
                                          "Shelving lesson")
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{item.id}")
    assert_accessible(page)
    frame = package_frame(page)
    assert frame.locator("#state").get_attribute("data-learner") == member.name
    frame.get_by_role("button", name="Finish the lesson").click()
    frame.locator("#state").filter(has_text="finished").wait_for()
    page.get_by_role("status").filter(has_text="You have completed this package").wait_for()
    assert completed(member, item)
    assert course_completed(member, course)
    saved = db.session.execute(select(PackageRuntime.cmi)).scalar_one()
    assert saved["suspend_data"] == "page=3"

    page.reload()
    page.get_by_text("You have completed this package.").first.wait_for()
    frame = package_frame(page)
    # The runtime resumes from what the package saved.
    assert frame.locator("#state").get_attribute("data-status") == "passed"


def test_scorm12_failed_attempt_does_not_complete(page, app_ctx):
    course, item, member = package_course(samples.scorm12_zip(status="failed", score=40),
                                          "Shelving quiz")
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{item.id}")
    frame = package_frame(page)
    frame.get_by_role("button", name="Finish the lesson").click()
    # LMSCommit and LMSFinish send their data synchronously, before "finished" shows.
    frame.locator("#state").filter(has_text="finished").wait_for()
    db.session.expire_all()
    assert db.session.execute(select(PackageRuntime.cmi)).scalar_one()["core"][
        "lesson_status"] == "failed"
    assert not completed(member, item)
    assert not course_completed(member, course)


def test_scorm2004_sample_completes_the_item_and_the_course(page, app_ctx):
    course, item, member = package_course(samples.scorm2004_zip(success="passed"),
                                          "Weeding lesson")
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{item.id}")
    frame = package_frame(page)
    frame.get_by_role("button", name="Finish the lesson").click()
    frame.locator("#state").filter(has_text="finished").wait_for()
    page.get_by_role("status").filter(has_text="You have completed this package").wait_for()
    assert completed(member, item)
    assert course_completed(member, course)
    assert_accessible(page)


def test_the_demo_courses_scorm_activity_plays_and_completes(page, app_ctx):
    """The SCORM 1.2 activity shipped in a sample course (``courses/``) really plays."""
    shipped = (Path(__file__).resolve().parents[2] / "courses"
               / "plain-language-reference-interviews" / "media" / "open-or-closed.zip")
    course, item, member = package_course(shipped.read_bytes(), "Open or closed?")
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{item.id}")
    frame = page.frame_locator("iframe.package-frame").frame_locator("#package-content")
    result = frame.get_by_role("status")

    # Every answer "closed": one of three right, below the mastery score.
    frame.get_by_role("group", name="1.").get_by_label("Closed").check()
    frame.get_by_role("group", name="2.").get_by_label("Closed").check()
    frame.get_by_role("group", name="3.").get_by_label("Closed").check()
    frame.get_by_role("button", name="Check my answers").click()
    result.filter(has_text="1 of 3 right").wait_for()
    assert not completed(member, item)

    frame.get_by_role("group", name="1.").get_by_label("Open").check()
    frame.get_by_role("group", name="3.").get_by_label("Open").check()
    frame.get_by_role("button", name="Check my answers").click()
    result.filter(has_text="3 of 3 right").wait_for()
    page.get_by_role("status").filter(has_text="You have completed this package").wait_for()
    assert completed(member, item)
