"""Templates keep pages usable at 320 CSS pixels (WCAG 1.4.10 reflow), checked statically.

A table wider than the screen must scroll inside its own box, never the page:
every ``<table>`` sits directly in a ``.table-scroll`` box (positioned, so the
visually hidden text inside stays inside it too), and every such box can be
reached and scrolled by keyboard: a focusable, named region. The browser test
(tests/test_pages_browser.py) measures the pages the seeded world shows; this
covers tables that only appear with data (completed courses, quiz statistics).
"""

from __future__ import annotations

import re

from tests.test_templates_safety import HTML_FILES, _line_of, _relative, _without_jinja_comments

TABLE = re.compile(r"<table\b", re.IGNORECASE)
SCROLL_BOX = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-scroll\b[^>]*>", re.IGNORECASE)
LAST_TAG = re.compile(r"<(?!/)([a-z]+)\b([^>]*)>(?:\s|{%[^%]*%})*$", re.IGNORECASE)


def test_every_table_scrolls_inside_its_own_box() -> None:
    offenders = []
    for path in HTML_FILES:
        text = _without_jinja_comments(path.read_text())
        for match in TABLE.finditer(text):
            opener = LAST_TAG.search(text[:match.start()])
            if not (opener and opener.group(1).lower() == "div"
                    and "table-scroll" in opener.group(2)):
                offenders.append(f"{_relative(path)}:{_line_of(text, match.start())}")
    assert not offenders, f"tables outside a .table-scroll box: {offenders}"


def test_every_table_box_is_a_named_region_reachable_by_keyboard() -> None:
    offenders = []
    for path in HTML_FILES:
        text = _without_jinja_comments(path.read_text())
        for match in SCROLL_BOX.finditer(text):
            tag = match.group(0)
            named = "aria-label=" in tag or "aria-labelledby=" in tag
            if 'tabindex="0"' not in tag or 'role="region"' not in tag or not named:
                offenders.append(f"{_relative(path)}:{_line_of(text, match.start())}")
    assert not offenders, f"scroll boxes without tabindex=0, role=region and a name: {offenders}"
