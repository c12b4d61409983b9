"""Helpers shared by the browser tests (Playwright pages from the ``page`` fixture)."""

from __future__ import annotations

import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import PASSWORD


def log_in(page, email: str) -> None:
    """Log in through the login form and wait until the page shows the member as logged in."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` (the CSP forbids the eval that ``wait_for_function`` needs)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def tab_to_next_item(page, presses: int = 60) -> None:
    """Press Tab until the "next item" link (``rel=next``) has focus; fail if it never does."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('rel')") == "next":
            return
    pytest.fail("the next-item link is not reachable with Tab")


def assert_accessible(page) -> None:
    """Fail with axe-core's report if the page has any accessibility violation."""
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
