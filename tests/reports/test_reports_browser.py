"""In Chromium: staff open both report pages, sort without JavaScript; axe-core finds nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from lms.extensions import db, utcnow
from lms.quizzes.models import Attempt, Quiz
from tests.browser import assert_accessible, log_in
from tests.factories import (
    enrol,
    make_course,
    make_item,
    make_module,
    make_user,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def course(app_ctx):
    teacher = make_user(role="instructor", name="Ines Instructor")
    course = make_course(instructors=[teacher], title="Cataloguing basics",
                         certificate_enabled=False)
    module = make_module(course, title="Basics")
    make_item(module, title="Policy reading")
    quiz_item = make_item(module, kind="quiz", title="Check your understanding")
    quiz = Quiz(item_id=quiz_item.id)
    db.session.add(quiz)
    staff = make_user(role="admin", name="Sam Staff", email="staff@example.org")
    for k, name in enumerate(["Zoë Ångström", "Adam Brown", "Chen Wei", "Dana O'Neil",
                              "Émile Faure", "Farah Haddad"]):
        member = make_user(name=name, career_stage="mid_career" if k < 5 else "student")
        done = utcnow() - timedelta(days=k) if k % 2 == 0 else None
        enrol(member, course, completed_at=done, completed_by_id=staff.id if k == 0 else None)
        db.session.add(Attempt(quiz_id=quiz.id, user_id=member.id, number=1, snapshot={},
                               submitted_at=utcnow(), score_percent=Decimal(50 + 7 * k)))
    db.session.commit()
    return course


def test_report_pages_sort_and_pass_axe(page, course):
    log_in(page, "staff@example.org")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Completions and CE hours")).to_be_visible()
    page.get_by_label("Group by").select_option("career_stage")
    page.get_by_role("button", name="Show").click()
    # Three completions, all mid-career: the total, and no breakdown that would name them.
    expect(page.locator("tfoot").get_by_role("cell", name="3", exact=True)).to_be_visible()
    expect(page.locator("#breakdown-withheld")).to_contain_text("only the total is shown")
    assert_accessible(page)

    page.get_by_role("link", name="Cataloguing basics").click()
    expect(page.get_by_role("heading", name="Report: Cataloguing basics")).to_be_visible()
    expect(page.get_by_text("set by Sam Staff")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Best quiz score").click()
    header = page.get_by_role("columnheader", name="Best quiz score")
    expect(header).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("link", name="Best quiz score").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(page.locator("tbody tr").first.get_by_role("rowheader")).to_have_text("Farah Haddad")
    assert_accessible(page)
