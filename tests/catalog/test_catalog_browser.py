"""In Chromium: a member searches the catalog and enrols; axe-core checks the pages."""

import pytest
from playwright.sync_api import expect

from lms.catalog.models import CourseAudience, Topic
from lms.extensions import db
from tests.browser import assert_accessible, log_in
from tests.factories import make_course, make_item, make_media, make_module, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog(app_ctx):
    teacher = make_user(role="instructor", name="Imani Brooks")
    topic = Topic(slug="outreach", name="Outreach")
    course = make_course(
        title="Storytime for every family", slug="storytime",
        summary="Inclusive storytimes in public libraries.",
        description="Plan **bilingual** storytimes with songs and puppets.",
        outcomes="Plan a storytime\nChoose inclusive books", presenters="Lucía Fernández",
        topics=[topic], instructors=[teacher], enrol_window_days=365,
        audience=[CourseAudience(career_stage="early_career")])
    module = make_module(course, title="Getting started")
    make_item(module, kind="video", media=make_media(duration_seconds=540.0), title="Welcome")
    make_item(module, title="Booklist")
    make_course(title="Budgeting for branch managers", format="webinar", topics=[topic])
    make_course(title="Code-only course", slug="code-only", access="code")
    make_user(email="reader@example.org", name="Reader")
    db.session.commit()
    return course


def test_member_searches_the_catalog_and_enrols(page, catalog):
    log_in(page, "reader@example.org")
    page.goto("/courses")
    expect(page.get_by_role("heading", name="3 courses found")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("searchbox", name="Search").fill("Fernández bilingual")
    page.get_by_label("Topic").select_option("outreach")
    page.get_by_role("button", name="Show courses").click()
    expect(page.get_by_role("heading", name="1 course found")).to_be_visible()
    expect(page.locator("#results-status")).to_have_text("1 course found")
    assert "q=Fern" in page.url and "topic=outreach" in page.url
    assert_accessible(page)

    page.get_by_role("link", name="Storytime for every family").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Storytime for every family")
    expect(page.get_by_text("9 minutes", exact=False).first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_text("You are enrolled in Storytime for every family.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your enrolment")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Your progress in this course")).to_be_visible()
    expect(page.get_by_text("0% complete: 0 of 2 required items done.")).to_be_visible()
    assert_accessible(page)


def test_catalog_and_course_pages_pass_axe_for_visitors(page, catalog):
    for path in ["/", "/courses", "/courses?ce_min=lots", "/courses/storytime"]:
        page.goto(path)
        assert_accessible(page)


def test_signup_code_form_passes_axe_and_shows_errors(page, catalog):
    log_in(page, "reader@example.org")
    page.goto("/courses/code-only")
    page.get_by_label("Signup code").fill("WRNG-CODE-HERE")
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_text("This signup code is not valid for this course.").first).to_be_visible()
    assert_accessible(page)


def test_filters_work_without_javascript(browser, live_server, catalog):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/courses")
        page.get_by_label("Format").select_option("webinar")
        page.get_by_role("button", name="Show courses").click()
        expect(page.get_by_role("heading", name="1 course found")).to_be_visible()
        assert "format=webinar" in page.url
    finally:
        context.close()
