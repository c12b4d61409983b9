"""Templates and static HTML keep to the CSP and carry CSRF tokens (SECURITY.md §2, §6).

Static checks: the Content-Security-Policy has no ``unsafe-inline``, so inline
script bodies, ``on*=`` handlers, ``style=`` attributes and ``javascript:`` URLs
would silently break pages (or be an XSS foothold if the policy were relaxed).
Every POST form must carry a CSRF token. Response headers of every page are
checked by the route matrix (tests/test_route_matrix.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML_FILES = sorted([*ROOT.joinpath("templates").rglob("*.html"),
                     *ROOT.joinpath("static").rglob("*.html")])

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
POST_FORM = re.compile(r"<form\b[^>]*method=[\"']post[\"'][^>]*>(.*?)</form>",
                       re.IGNORECASE | re.DOTALL)
CSRF_MARKERS = ("hidden_tag()", "csrf_token", "post_button(")
#: Forms whose POST a signed token in the URL authorises, not the session: one-click
#: unsubscribe (RFC 8058 mail clients post it with no token; the view is CSRF-exempt); the
#: LTI deep-linking response, posted to the platform with the JWT the tool signed.
SIGNED_URL_FORMS = {"templates/discussions/unsubscribe.html",
                    "templates/standards/deep_link_return.html"}


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _without_jinja_comments(text: str) -> str:
    return re.sub(r"{#.*?#}", "", text, flags=re.DOTALL)


def test_there_are_templates() -> None:
    assert len(HTML_FILES) > 20


@pytest.mark.parametrize(("name", "pattern"), [
    ("inline <script> body", INLINE_SCRIPT), ("on*= event handler", EVENT_HANDLER),
    ("style= attribute", STYLE_ATTR), ("javascript: URL", JS_URL),
])
def test_no_inline_code_or_style(name: str, pattern: re.Pattern) -> None:
    offenders = [f"{_relative(path)}:{_line_of(text, match.start())}"
                 for path in HTML_FILES
                 for text in [_without_jinja_comments(path.read_text())]
                 for match in pattern.finditer(text)]
    assert not offenders, f"{name} in: {offenders}"


def test_every_post_form_has_a_csrf_token() -> None:
    offenders = []
    for path in HTML_FILES:
        if _relative(path) in SIGNED_URL_FORMS:
            continue
        text = _without_jinja_comments(path.read_text())
        for match in POST_FORM.finditer(text):
            if not any(marker in match.group(1) for marker in CSRF_MARKERS):
                offenders.append(f"{_relative(path)}:{_line_of(text, match.start())}")
    assert not offenders, f"POST forms without a CSRF token: {offenders}"


def test_post_forms_are_found() -> None:
    """Guards the regex above: the app has many POST forms, so finding none means it broke."""
    count = sum(len(POST_FORM.findall(path.read_text())) for path in HTML_FILES)
    assert count >= 20


def test_post_button_macro_carries_the_token() -> None:
    macros = ROOT.joinpath("templates", "_forms.html").read_text()
    body = macros[macros.index("macro post_button"):]
    body = body[:body.index("endmacro")]
    assert 'name="csrf_token"' in body and "csrf_token_value()" in body


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
