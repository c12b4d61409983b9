"""Markdown to safe HTML: markdown-it renders, nh3 (Ammonia) keeps an allowlist."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
                      "abbr": {"title"}, "th": {"scope"}, "td": set()}


def render_markdown(text: str, *, link_rel: str = "noopener noreferrer") -> Markup:
    """Render Markdown and keep only safe tags: no script, no handlers, no ``javascript:``.

    ``link_rel`` is set on every link (members' posts: ``nofollow ugc noopener``).
    """
    html = _md.render(text or "")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel=link_rel)
    return Markup(clean)  # noqa: S704 - sanitised by nh3 on the line above
