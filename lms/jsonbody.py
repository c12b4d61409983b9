"""The one JSON parser for request bodies: bounded in size and depth, strict, text checked.

Every ``request.get_json()`` / ``request.json`` of the app comes here (the app's
request class is :class:`Request`), so any body is either a value the handlers
can trust or a clear problem: 400 for a body that is not JSON (malformed, not
UTF-8, ``NaN``, nested deeper than :data:`MAX_DEPTH`), 413 for a body over
``MAX_JSON_BYTES``, 422 naming each field whose text cannot be stored
(:func:`lms.text.unstorable`). Whole numbers written with a fraction (``5.0``)
read as integers, as JSON Schema counts them. The depth is counted on the raw bytes before
parsing, without recursion, so no body can exhaust the interpreter's stack.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

import flask
from flask import current_app

from lms.errors import BadRequest, TooLarge, ValidationError
from lms.text import find_unstorable

#: Deepest nesting of arrays and objects a body may have (real bodies use 3 or 4).
MAX_DEPTH = 32
#: Default for ``MAX_JSON_BYTES``: the longest transcript (500,000 characters) fits.
DEFAULT_MAX_BYTES = 4 * 1024**2

#: A string, or an unterminated one running to the end: it always matches where it starts,
#: so removing strings takes one linear pass however the quotes and backslashes fall.
_STRING = re.compile(rb'"(?:[^"\\]+|\\[\s\S]?)*"?')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(data: bytes) -> int:
    """How deep the arrays and objects of JSON text nest (brackets inside strings skipped)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def whole_number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: an ``int`` when it is whole (``5.0``).

    JSON has one number type and JSON Schema calls ``5.0`` an integer, so clients
    (and generated ones) may send it where a whole number is asked for. A number
    too large for a float (``1e400``) is refused rather than read as infinity.
    """
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:20]} is too large")
    return int(number) if number.is_integer() else number


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_json(data: bytes | str) -> Any:
    """The value of JSON text; BadRequest when it is not strict JSON within the depth bound."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    openings = data.count(b"[") + data.count(b"{")  # cheap bound: most bodies stop here
    if openings > MAX_DEPTH and nesting_depth(data) > MAX_DEPTH:
        raise BadRequest(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BadRequest("The JSON must be encoded as UTF-8.") from None
    try:
        return json.loads(text, parse_float=whole_number, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from None


def checked_text(value: Any, root: str = "body") -> Any:
    """``value`` unchanged; ValidationError naming each field whose text cannot be stored."""
    if errors := find_unstorable(value, root):
        raise ValidationError("Some fields hold text that cannot be stored.", errors=errors)
    return value


def body_bytes(request: flask.Request) -> bytes:
    """The request body; TooLarge past ``MAX_JSON_BYTES`` (checked before reading when declared)."""
    limit = current_app.config.get("MAX_JSON_BYTES", DEFAULT_MAX_BYTES)
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"A JSON body may be at most {limit // 1024} KiB.")
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise TooLarge(f"A JSON body may be at most {limit // 1024} KiB.")
    return data


class Request(flask.Request):
    """Flask's request, with :meth:`get_json` going through :func:`parse_json`."""

    _parsed_json: tuple[Any] | None = None

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """The parsed body; None when ``silent`` and the body is not acceptable JSON."""
        try:
            return self._json(force)
        except (BadRequest, TooLarge, ValidationError):
            if silent:
                return None
            raise

    def _json(self, force: bool) -> Any:
        if not (force or self.is_json):
            raise BadRequest("The request body must be JSON (Content-Type: application/json).")
        if self._parsed_json is None:
            self._parsed_json = (checked_text(parse_json(body_bytes(self))),)
        return self._parsed_json[0]

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadRequest("The request body is not valid JSON.")
