"""Certificate codes: 100 random bits written as dashed Crockford base32.

A code such as ``K7Q4-M2XD-9F3A-P8TR-5WVE`` is printed on the certificate and
typed back by people verifying it, so :func:`normalize_code` forgives what
humans do when copying it: lower case, lost or extra dashes, spaces, and the
letters Crockford's alphabet leaves out because they look like digits
(O for 0, I and L for 1).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_BITS = 100
SYMBOLS = CODE_BITS // 5
GROUP = 4

_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: Whitespace plus the dash look-alikes that word processors substitute.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_MAX_INPUT = 64
_VALID = frozenset(ALPHABET)


def new_code() -> str:
    """Return a fresh, unguessable certificate code in canonical form."""
    return _group(_encode(secrets.randbits(CODE_BITS)))


def normalize_code(text: str) -> str | None:
    """Return ``text`` as a canonical code, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        return None
    symbols = _SEPARATORS.sub("", text).upper().translate(_CONFUSABLES)
    if len(symbols) != SYMBOLS or not _VALID.issuperset(symbols):
        return None
    return _group(symbols)


def _encode(number: int) -> str:
    """Write ``number`` as exactly :data:`SYMBOLS` base32 symbols, high bits first."""
    return "".join(ALPHABET[(number >> shift) & 31] for shift in range(CODE_BITS - 5, -1, -5))


def _group(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))
