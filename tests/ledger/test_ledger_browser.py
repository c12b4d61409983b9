"""The ledger in Chromium: the cycle chart and its text alternative render, axe finds
nothing, and the pages work at 320 CSS pixels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms.extensions import db
from lms.ledger.models import Credit, CreditCycle
from tests.browser import assert_accessible, log_in
from tests.factories import make_course, make_user

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def member(app_ctx, ce_hours):
    member = make_user(email="ledger-browser@example.org")
    today = date.today()
    db.session.add_all([
        Credit(user_id=member.id, source="external", title="Annual conference",
               provider="State Library Association", credit_type=ce_hours, amount=Decimal(6),
               earned_on=today.replace(day=1), status="approved", review_note=""),
        Credit(user_id=member.id, source="external", title="Workshop", provider="ALA",
               credit_type=ce_hours, amount=Decimal(2), earned_on=today, status="pending",
               review_note=""),
        CreditCycle(user_id=member.id, credit_type=ce_hours, required_amount=Decimal(60),
                    starts_on=date(today.year - 1, 1, 1), ends_on=date(today.year + 1, 12, 31))])
    db.session.commit()
    return member


def test_the_cycle_chart_and_its_table_render_accessibly_at_any_width(page, member) -> None:
    log_in(page, member.email)
    for path in ("/my-learning", "/my-learning/credits"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(path)
        chart = page.get_by_role("img", name="CE hours earned over the cycle")
        chart.wait_for()
        assert chart.bounding_box()["width"] > 300
        if path == "/my-learning":
            page.get_by_text("The chart as a table").click()  # folded away there
        page.get_by_role("table", name="Running total of CE hours in the cycle").wait_for()
        assert "6 of 60 CE hours earned" in page.locator("#cycle-summary").inner_text()
        assert_accessible(page)
        page.set_viewport_size(NARROW)
        page.goto(path)
        assert fits(page), f"{path} scrolls sideways at 320 px"
        box = page.get_by_role("img", name="CE hours earned over the cycle").bounding_box()
        assert box is not None and box["width"] <= 320


def test_adding_a_credit_and_the_staff_queue_pass_axe(page, member) -> None:
    log_in(page, member.email)
    page.set_viewport_size(NARROW)
    page.goto("/my-learning/credits")
    page.get_by_role("link", name="Add a credit from another provider").click()
    page.get_by_label("Activity title", exact=True).fill("Regional meetup")
    page.get_by_label("Provider", exact=True).fill("Library guild")
    page.get_by_label("Amount", exact=True).fill("1.5")
    page.get_by_label("Date earned", exact=True).fill(date.today().isoformat())
    page.get_by_role("button", name="Add the credit").click()
    page.get_by_text("Credit added.").wait_for()
    assert fits(page)
    page.goto("/my-learning/credits/new")
    page.get_by_role("button", name="Add the credit").click()  # empty: errors shown
    page.get_by_text("Name the activity.").wait_for()
    assert_accessible(page)
    page.goto("/my-learning/credits/cycle")
    assert fits(page)
    assert_accessible(page)
    make_user(role="admin", email="ledger-staff@example.org")
    make_course(title="Course with credits")
    page.get_by_role("button", name="Log out").click()
    log_in(page, "ledger-staff@example.org")
    for path in ("/admin/credits", "/admin/credit-types"):
        page.goto(path)
        assert fits(page), f"{path} scrolls sideways at 320 px"
        assert_accessible(page)
    page.goto("/admin/credits")
    page.get_by_label("Select Regional meetup by").check()
    page.get_by_role("button", name="Approve the selected credits").click()
    page.get_by_text("Approved 1 credit.").wait_for()
