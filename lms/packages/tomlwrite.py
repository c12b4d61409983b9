"""A tiny deterministic TOML writer for course packages. Pure.

It writes only what packages use: ``key = value`` lines with strings, integers,
booleans, dates and arrays of strings, then arrays of tables (``[[captions]]``).
Keys come out in the order given, so a package exported twice is byte-equal.
Reading is ``tomllib``'s job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

#: Arrays longer than this on one line are written one element per line.
MAX_INLINE = 88
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def dumps(values: Mapping[str, Any], tables: Mapping[str, Sequence[Mapping[str, Any]]]
          | None = None) -> str:
    """TOML text of ``values`` (None values are left out) and arrays of ``tables``."""
    lines = [line for key, value in values.items() if value is not None
             for line in _pair(key, value)]
    for name, rows in (tables or {}).items():
        for row in rows:
            lines += ["", f"[[{name}]]"]
            lines += [line for key, value in row.items() if value is not None
                      for line in _pair(key, value)]
    return "\n".join(lines) + "\n"


def _pair(key: str, value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return _array(key, list(value))
    return [f"{key} = {_scalar(value)}"]


def _array(key: str, values: list[Any]) -> list[str]:
    items = [_scalar(value) for value in values]
    inline = f"{key} = [{', '.join(items)}]"
    if len(inline) <= MAX_INLINE:
        return [inline]
    return [f"{key} = [", *(f"    {item}," for item in items), "]"]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _string(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(ch) or _char(ch) for ch in text) + '"'


def _char(ch: str) -> str:
    if ch.isprintable():
        return ch
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"
