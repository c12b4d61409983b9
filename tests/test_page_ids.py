"""Every page, for every role: element ids are unique and each ``<label for>`` names one.

A duplicate id makes a label, ``aria-describedby`` or a skip link point at the wrong
element (WCAG 4.1.1 and 1.3.1); a label whose ``for`` names no element labels nothing.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.security_world import ROLES, World, seed
from tests.site_pages import html_pages

#: Attributes whose value is a list of ids that must each exist on the page.
ID_REFERENCES = ("for", "aria-describedby", "aria-labelledby", "aria-controls", "list")


class _Ids(HTMLParser):
    """Collects every ``id`` and every reference to one."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.references: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids[value] += 1
            elif name in ID_REFERENCES and value and (tag == "label" or name != "for"):
                self.references += [(tag, name, ref) for ref in value.split()]


def id_problems(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    problems = [f'id="{name}" appears {count} times'
                for name, count in parser.ids.items() if count > 1]
    problems += [f'<{tag} {name}="{ref}"> names no element'
                 for tag, name, ref in parser.references if ref not in parser.ids]
    return problems


@pytest.fixture
def world(app_ctx, client) -> World:
    world = seed(client)
    world.ids["member_id"] = world.users["other_instructor"].id
    return world


def test_the_checker_finds_duplicates_and_dangling_labels() -> None:
    html = ('<input id="name"><input id="name"><label for="gone">Gone</label>'
            '<p aria-describedby="name hint"></p>')
    assert id_problems(html) == ['id="name" appears 2 times', '<label for="gone"> names no element',
                                 '<p aria-describedby="hint"> names no element']


@pytest.mark.parametrize("role", ROLES)
def test_ids_are_unique_and_labels_point_at_them(app, client, world: World, role: str) -> None:
    pages = html_pages(app, client, world, role)
    assert len(pages) >= 5, f"{role} reached too few pages: {[p.url for p in pages]}"
    problems = [f"{page.url} ({page.endpoint}): {problem}"
                for page in pages for problem in id_problems(page.html)]
    assert not problems, "\n".join(problems)
