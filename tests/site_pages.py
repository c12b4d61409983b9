"""Every HTML page of the app as one role sees it, from the route matrix's seeded world.

The pages are found from ``app.url_map``: every GET rule, filled with the world's
real ids, once per kind of item for rules about an item and once per choice of
an ``any(...)`` part (new item and question forms). A page added later is
checked without anyone listing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from werkzeug.routing import AnyConverter

from tests.security_world import World
from tests.test_route_matrix import Actor, Call, calls, fill

ITEM_KINDS = ("reading", "video", "file", "quiz", "package")
#: A page that is not there: the error page is a page too.
MISSING = "/no-such-page"


@dataclass(frozen=True)
class Page:
    url: str
    endpoint: str
    html: str


def html_pages(app, client, world: World, role: str) -> list[Page]:
    """The pages (GET, text/html, 200, plus the 404 page) ``role`` can open, once each."""
    actor = Actor(client, world, role)
    pages: dict[str, Page] = {}
    for call in calls(app, {"GET"}):
        if call.is_api or call.endpoint == "static":
            continue
        for url in page_urls(call, world):
            response = actor.request(call, url)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages.setdefault(url, Page(url, call.endpoint, response.get_data(as_text=True)))
            response.close()
    missing = client.get(MISSING)
    pages[MISSING] = Page(MISSING, "404", missing.get_data(as_text=True))
    return list(pages.values())


def page_urls(call: Call, world: World) -> list[str]:
    """The rule's URLs: one per item kind (``item_id``) and per ``any(...)`` choice."""
    choices: dict[str, list[object]] = {}
    if "item_id" in call.rule.arguments:
        choices["item_id"] = [world.ids[kind] for kind in ITEM_KINDS]
    for name, converter in call.rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices[name] = sorted(converter.items)
    urls = [fill(call, world, **dict(zip(choices, values, strict=True)))
            for values in product(*choices.values())]
    return list(dict.fromkeys(urls))
