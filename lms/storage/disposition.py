"""RFC 6266 ``Content-Disposition`` values carrying a user's original file name."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

#: Types a browser would run as a page or script; never shown inline.
ACTIVE_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)

#: RFC 8187 attr-char minus the letters and digits ``quote`` keeps anyway.
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"


def content_disposition(filename: str, *, inline: bool, content_type: str = "") -> str:
    """Build ``inline|attachment; filename="ascii"; filename*=UTF-8''utf8``.

    Active content (HTML, SVG, XML, scripts) is always an attachment, whatever
    ``inline`` says.
    """
    base = _basename(filename) or "download"
    kind = "inline" if inline and not is_active_content(content_type) else "attachment"
    fallback = ascii_fallback(base)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(base, safe=_ATTR_CHAR_SAFE)}"


def is_active_content(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in ACTIVE_CONTENT_TYPES


def ascii_fallback(filename: str) -> str:
    """An ASCII name safe inside a quoted-string: accents dropped, specials replaced."""
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(_fallback_char(ch) for ch in ascii_only).strip(" .")
    return cleaned or "download"


def _fallback_char(ch: str) -> str:
    if ch in '"\\%' or not ch.isprintable():
        return "_"
    return ch


def _basename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()
