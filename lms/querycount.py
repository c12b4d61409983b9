"""SQL statements per request, for benchmarks: an ``X-Query-Count`` response header.

Installed by ``create_app`` only when ``LMS_PERF_COUNT_QUERIES=1``, so production
pays nothing for it. ``tests/perf/run.py`` reads the header.
"""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event

from lms.extensions import db

HEADER = "X-Query-Count"


def init_app(app: Flask) -> None:
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count)
    app.before_request(_reset)
    app.after_request(_add_header)


def _count(*_args) -> None:
    if has_request_context():
        g.query_count = g.get("query_count", 0) + 1


def _reset() -> None:
    g.query_count = 0


def _add_header(response: Response) -> Response:
    response.headers[HEADER] = str(g.get("query_count", 0))
    return response
