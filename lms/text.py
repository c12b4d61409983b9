"""Text people send: what cannot be stored is refused, the rest normalised, in one place.

Every text field (JSON bodies, HTML forms, query strings, imported files) is
checked by :func:`unstorable`: lone UTF-16 surrogates cannot be encoded for
either database, PostgreSQL refuses NUL, and other control characters are never
typed on purpose. Fields cleaned with :func:`clean_text` are also put in Unicode
NFC and trimmed. Single-line text (names, titles) is refused when it holds
bidirectional embedding, override or isolate controls (U+202A–U+202E,
U+2066–U+2069): they reorder what is displayed, so a name or course title
could read differently on a certificate than what was typed (U+202E before
"Smith" shows "htimS"). Names and titles in any script still work: right-to-left
text needs no such control, and the plain marks U+200E, U+200F and U+061C are kept.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: C0 controls other than tab, line feed and carriage return, and DEL (a character class).
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n?")


class TextError(ValueError):
    """Text a field cannot hold; the message is shown next to the field."""


def unstorable(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if _SURROGATE.search(value):
        return "Contains an invalid character (a lone UTF-16 surrogate); send valid Unicode."
    if "\x00" in value:
        return "Contains a NUL character, which text cannot hold."
    if found := _CONTROL.search(value):
        return f"Contains the control character U+{ord(found.group()):04X}; remove it."
    return None


def clean_text(value: Any, *, max_length: int, required: bool = False,
               multiline: bool = False) -> str:
    """``value`` as storable text: NFC, trimmed, within ``max_length``; raises TextError.

    ``None`` is the empty string unless ``required``. Single-line text has each run
    of white space (line breaks included) turned into one space and may not hold
    bidirectional controls; multi-line text keeps its line breaks, written ``\\n``.
    """
    if value is None:
        if required:
            raise TextError("This field is required.")
        return ""
    if not isinstance(value, str):
        raise TextError("Must be text.")
    if problem := unstorable(value):
        raise TextError(problem)
    value = unicodedata.normalize("NFC", value).strip()
    if multiline:
        value = _LINE_BREAKS.sub("\n", value)
    else:
        value = " ".join(value.split())
        if found := _BIDI_CONTROL.search(value):
            raise TextError(f"Contains the text-direction control U+{ord(found.group()):04X}, "
                            "which can make it display differently from what was typed.")
    if required and not value:
        raise TextError("This field is required.")
    if len(value) > max_length:
        raise TextError(f"At most {max_length} characters.")
    return value


def find_unstorable(data: Any, root: str = "body") -> dict[str, list[str]]:
    """Field messages for every string (key or value) in parsed JSON that cannot be stored.

    Fields are named by their path (``choices.0.text``); walked without recursion.
    """
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if problem := unstorable(value):
                errors.setdefault(path or root, [problem])
        elif isinstance(value, dict):
            for key, child in value.items():
                name = f"{path}.{key}" if path else key
                if problem := unstorable(key):
                    errors.setdefault(path or root, [f"A field name: {problem}"])
                    continue
                stack.append((name, child))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), child)
                         for index, child in enumerate(value))
    return errors
