"""A member fills in a course evaluation in the player (radio groups in fieldsets, a
comment box); the certificate follows, and axe-core finds no violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.browser import assert_accessible, log_in
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def evaluation_course(app_ctx, client):
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], title="Reference interviews")
    module = make_module(course, title="Wrapping up")
    item = make_item(module, kind="evaluation", title="Course evaluation", body="")
    for question in ({"kind": "likert", "prompt": "The course met its stated outcomes."},
                     {"kind": "text", "prompt": "What would you change?", "required": False}):
        response = client.post(f"/api/v1/items/{item.id}/evaluation/questions", json=question,
                               headers=api_headers(instructor))
        assert response.status_code == 201
    member = make_user(email="evaluator@example.org")
    enrol(member, course)
    return course, item, member


def test_fill_in_the_evaluation_form(page, live_server, evaluation_course):
    course, item, member = evaluation_course
    log_in(page, member.email)
    page.goto(f"{live_server.url}/learn/{course.slug}/items/{item.id}")
    group = page.get_by_role("group", name="The course met its stated outcomes.")
    expect(group).to_be_visible()
    assert_accessible(page)
    group.get_by_label("4 – Agree").check()
    page.get_by_label("What would you change?").fill("More role play, please.")
    page.get_by_role("button", name="Submit the evaluation").click()
    expect(page.get_by_text("Thank you: you have submitted this evaluation.")).to_be_visible()
    assert_accessible(page)
    db.session.rollback()
    assert db.session.execute(db.select(Certificate).where(
        Certificate.user_id == member.id)).scalar_one().edition == 1
