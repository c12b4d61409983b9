"""Register, log out and log in with a real browser; axe-core finds no violations."""

import pytest

from tests.browser import assert_accessible, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def assert_fits(page, width: int = 320) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px > {width}px"


def register(page, email: str) -> None:
    page.goto("/register")
    page.get_by_label("Name", exact=True).fill("Nguyễn Thị Minh Khai")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Career stage").select_option("early_career")
    page.get_by_label("Organisation type").select_option("public")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Your account is ready").wait_for()


def test_register_log_out_log_in(page):
    register(page, "khai@example.org")
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out").wait_for()
    log_in(page, "khai@example.org")
    page.get_by_role("link", name="Profile").click()
    assert page.get_by_label("Name", exact=True).input_value() == "Nguyễn Thị Minh Khai"


def test_account_pages_pass_axe(page):
    page.goto("/register")
    assert_accessible(page)
    page.get_by_role("button", name="Create account").click()  # with field errors shown
    page.get_by_text("Please correct the marked fields.").wait_for()
    assert_accessible(page)
    page.goto("/login")
    assert_accessible(page)
    page.goto("/reset")
    assert_accessible(page)
    register(page, "axe@example.org")
    page.goto("/profile")
    assert_accessible(page)


def test_account_pages_fit_320_px(page):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/", "/register", "/login", "/reset"):
        page.goto(path)
        assert_fits(page)
    register(page, "narrow@example.org")
    page.goto("/profile")
    page.get_by_label("Token name").fill("A rather long token name for a membership system")
    page.get_by_role("button", name="Create a token").click()
    assert_fits(page)
    page.goto("/profile")
    assert_fits(page)
    page.goto("/teach")
    assert_fits(page)


def test_staff_and_teaching_pages_pass_axe_and_fit(page, app_ctx):
    from lms.accounts.models import TeachApplication
    from lms.extensions import db
    from tests.factories import make_user

    make_user(email="boss@example.org", name="Zed Boss", role="admin")
    member = make_user(name="Ada Lovelace", career_stage="early_career", org_type="academic")
    db.session.add(TeachApplication(user=member, proposed_topic="Linked data for catalogers",
                                    expertise="Five years of metadata work in a university."))
    db.session.commit()
    log_in(page, "boss@example.org")
    for path in ("/admin/members", f"/admin/members/{member.id}", "/admin/applications"):
        page.goto(path)
        assert_accessible(page)
        page.set_viewport_size({"width": 320, "height": 640})
        assert_fits(page)
        page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Approve Ada Lovelace").click()
    page.get_by_text("Approved.").wait_for()
    page.goto("/profile")
    page.get_by_role("button", name="Log out").click()
    log_in(page, make_user().email)
    page.goto("/teach")
    assert_accessible(page)
