"""Every page, for every role, in Chromium at 320 CSS pixels wide.

- Reflow (WCAG 1.4.10): nothing makes the page scroll sideways. A wide table may
  scroll inside its own ``.table-scroll`` box; that box's overflow does not widen
  the page, so ``scrollWidth`` of the document measures exactly what must not happen.
- The ``hidden`` attribute hides: every element carrying it is invisible, whatever
  the stylesheet gives its kind of element (``button { display: inline-block }``
  once showed the uploader's "Cancel upload" on every visit).

The pages come from ``app.url_map`` through the route matrix's seeded world
(``tests/site_pages.py``); each is opened once per role, in one browser page.
"""

from __future__ import annotations

import pytest

from tests.browser import log_in
from tests.security_world import ROLES, World, seed
from tests.site_pages import html_pages

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
#: Roles whose pages include the media uploader, whose controls start ``hidden``.
UPLOADING_ROLES = {"other_instructor", "instructor", "admin"}


@pytest.fixture
def world(app_ctx, client) -> World:
    world = seed(client)
    world.ids["member_id"] = world.users["other_instructor"].id
    return world


def reflow_problem(page) -> str | None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] <= widths[1]:
        return None
    culprits = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                      && !el.closest('.table-scroll'))
        .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                              + ' "' + (el.textContent || '').trim().slice(0, 40) + '"')""")
    return f"scrolls sideways: {widths[0]}px wide in a {widths[1]}px window ({culprits})"


def visible_hidden(page) -> list[str]:
    """Elements that carry ``hidden`` but show."""
    shown = []
    hidden = page.locator("body [hidden]")
    for index in range(hidden.count()):
        element = hidden.nth(index)
        if element.is_visible():
            shown.append(element.evaluate("el => el.outerHTML.slice(0, 120)"))
    return shown


@pytest.mark.parametrize("role", ROLES)
def test_pages_reflow_at_320px_and_hidden_elements_stay_hidden(page, app, client, world: World,
                                                                role: str) -> None:
    pages = html_pages(app, client, world, role)
    if role != "anonymous":
        log_in(page, world.users[role].email)
    page.set_viewport_size(NARROW)
    problems, hidden_seen = [], 0
    for site_page in pages:
        response = page.goto(site_page.url)
        assert response is not None and response.status in (200, 404), site_page.url
        problem = reflow_problem(page)
        if problem:
            problems.append(f"{site_page.url}: {problem}")
        problems += [f"{site_page.url}: visible despite hidden: {html}"
                     for html in visible_hidden(page)]
        hidden_seen += page.locator("body [hidden]").count()
    assert not problems, "\n".join(problems)
    if role in UPLOADING_ROLES:
        assert hidden_seen, "the uploader's hidden controls were not found on any page"
