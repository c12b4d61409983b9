"""An xAPI 1.0.3 client for one Learning Record Store: data in, HTTP out (no Flask, no database).

Statements carry their ids, so sending one again is harmless: the LRS answers
204 (or 200) for ids it already holds with the same content. A batch the LRS
answers with 409 (or refuses as invalid) is sent again one statement at a time
with PUT, so one statement in conflict neither blocks nor drops the others, and
an invalid one is named.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

log = logging.getLogger("lms.standards")

XAPI_VERSION = "1.0.3"
#: Answers that refuse a statement itself: 400 in xAPI, 422 from FastAPI-based LRSs (Ralph).
INVALID = (400, 422)


@dataclass(frozen=True)
class Endpoint:
    """The LRS's xAPI base URL (``…/xAPI/``) and its Basic-auth credentials."""

    url: str
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"LMS_LRS_URL must be an http(s) URL, not {self.url!r}")


class LrsUnavailable(Exception):
    """The LRS could not take the statements now (down, overloaded, credentials refused)."""


class LrsRefused(Exception):
    """The LRS refused a statement as invalid; ``accepted`` statements before it were stored."""

    def __init__(self, message: str, accepted: int) -> None:
        super().__init__(message)
        self.accepted = accepted


def send(endpoint: Endpoint, statements: list[dict[str, Any]]) -> None:
    """Store ``statements`` in the LRS, in order; raises LrsUnavailable or LrsRefused."""
    status, detail = _request(endpoint, "POST", "statements", statements)
    if status in (200, 204):
        return
    if status == 409 or status in INVALID:
        _put_each(endpoint, statements)
        return
    raise LrsUnavailable(f"the LRS answered {status} to a batch: {detail}")


def _put_each(endpoint: Endpoint, statements: list[dict[str, Any]]) -> None:
    for index, statement in enumerate(statements):
        path = f"statements?statementId={quote(statement['id'])}"
        status, detail = _request(endpoint, "PUT", path, statement)
        if status == 409:
            # The LRS keeps the first statement it got under an id; ours never changes.
            log.warning("the LRS holds statement %s with other content: %s",
                        statement["id"], detail)
        elif status in INVALID:
            raise LrsRefused(f"the LRS refused statement {statement['id']}: {detail}", index)
        elif status not in (200, 204):
            raise LrsUnavailable(f"the LRS answered {status} to a statement: {detail}")


def _request(endpoint: Endpoint, method: str, path: str, body: Any) -> tuple[int, str]:
    """(status, start of the response body); raises LrsUnavailable when nothing answers."""
    request = urllib.request.Request(  # noqa: S310  (http(s) only: Endpoint checks)
        endpoint.url.rstrip("/") + "/" + path, method=method,
        data=json.dumps(body, ensure_ascii=False).encode(), headers=_headers(endpoint))
    try:
        with urllib.request.urlopen(request, timeout=endpoint.timeout) as response:  # noqa: S310
            return response.status, response.read(500).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode(errors="replace")
    except (OSError, urllib.error.URLError) as exc:
        raise LrsUnavailable(f"the LRS at {endpoint.url} did not answer: {exc}") from exc


def _headers(endpoint: Endpoint) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    if endpoint.username is not None:
        pair = f"{endpoint.username}:{endpoint.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    return headers
