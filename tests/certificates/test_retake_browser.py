"""Retaking from My certificates in a real browser: the button, then the course afresh;
axe-core finds no violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible, log_in
from tests.factories import make_course, make_user

pytestmark = pytest.mark.browser


def test_retake_from_my_certificates(page, issued):
    member = make_user(email="renew@example.org")
    course = make_course(modules=1, items_per_module=1, certificate_valid_months=1,
                         title="Weeding the Collection")
    issued(member=member, course=course)  # issued in 2025: long expired
    log_in(page, "renew@example.org")
    page.goto("/my-certificates")
    button = page.get_by_role("button", name="Retake the course Weeding the Collection")
    expect(button).to_be_visible()
    assert_accessible(page)
    button.click()
    expect(page.get_by_text("Your retake has started (edition 2)")).to_be_visible()
    assert f"/learn/{course.slug}/items/" in page.url
    assert_accessible(page)
