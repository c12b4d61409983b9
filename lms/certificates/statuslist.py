"""W3C Bitstring Status List v1.0: the bits, their encoding and list positions.

Pure functions on plain values. Bit 0 is the most significant bit of the first
byte; ``encodedList`` is the GZIP-compressed bitstring in base64url without
padding, with the multibase prefix ``u`` the Recommendation asks for.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

from lms.certificates.models import STATUS_LIST_SIZE


def encode(revoked: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """``encodedList`` for a list whose bits at the ``revoked`` indexes are 1."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The raw bitstring of an ``encodedList``. Raises ValueError when it is not one."""
    body = encoded[1:] if encoded.startswith("u") else encoded
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (OSError, EOFError, ValueError) as exc:
        raise ValueError("not a GZIP base64url bitstring") from exc


def is_set(bitstring: bytes, index: int) -> bool:
    """Whether bit ``index`` is 1. Raises IndexError beyond the list."""
    if index < 0 or index // 8 >= len(bitstring):
        raise IndexError(index)
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))
