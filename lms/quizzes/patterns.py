"""Regex answers of short-text questions, kept to a subset that cannot hang a worker. Pure."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_PATTERN_CHARS = 200

# A regex that backtracks badly could hang a worker, and `re` has no timeout. So patterns
# stay in a subset without the catastrophic shapes: at most 200 characters, no
# backreferences or lookarounds, no repeated group that itself repeats or alternates
# (`(a+)+`, `(a|aa)*`, both exponential), and at most four repetitions or alternatives in
# all (`\w*\w*\w*\w*x` is polynomial, ~0.05 s worst case on the 100 characters a
# pattern ever sees; five of them on 200 characters took 28 s).
MAX_PATTERN_BRANCHES = 4
MAX_PATTERN_INPUT_CHARS = 100
_BAD_PATTERN = re.compile(r"\\[1-9]|\\g|\(\?[=!<]|\(\?P[=>]")
_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*,?\d*\})[?+]?")
_UNBOUNDED = re.compile(r"[*+{]")


def check_pattern(pattern: str) -> None:
    """Raise ValueError unless `pattern` is short, valid and in the safe subset."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"pattern longer than {MAX_PATTERN_CHARS} characters")
    if _BAD_PATTERN.search(pattern):
        raise ValueError("pattern uses backreferences or lookarounds")
    plain = _skeleton(pattern)
    if _has_repeated_complex_group(plain):
        raise ValueError("pattern repeats a group that repeats or alternates")
    if len(_QUANTIFIER.findall(plain)) + plain.count("|") > MAX_PATTERN_BRANCHES:
        raise ValueError(f"pattern has more than {MAX_PATTERN_BRANCHES} repetitions/alternatives")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid pattern: {exc}") from exc


def _skeleton(pattern: str) -> str:
    """The pattern with escapes, character classes and `(?` group flags made plain."""
    plain = re.sub(r"\\.", "x", pattern)
    plain = re.sub(r"\[(?:\^?\])?[^\]]*\]", "x", plain)
    return plain.replace("(?", "(")


def _has_repeated_complex_group(plain: str) -> bool:
    """True when a group containing `|` or a quantifier is itself repeated (`?` is fine)."""
    starts: list[int] = []
    for i, char in enumerate(plain):
        if char == "(":
            starts.append(i)
        elif char == ")" and starts:
            inner = plain[starts.pop() + 1 : i]
            complex_inner = "|" in inner or _QUANTIFIER.search(inner)
            if complex_inner and _UNBOUNDED.match(plain, i + 1):
                return True
    return False


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    """The checked pattern compiled case-insensitively (cached: the same few recur)."""
    return re.compile(pattern, re.IGNORECASE)
