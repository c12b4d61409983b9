"""Static files that browsers keep: fingerprinted URLs, cached for a year.

``url_for('static', filename=...)`` gains ``?v=<content hash>``, so a changed
file gets a new URL; a request carrying the current hash is answered with
``Cache-Control: public, max-age=31536000, immutable`` and repeat page views
fetch no CSS, JavaScript or fonts at all. Anything else (no or an old hash)
is cached briefly and revalidated with the ETag Flask already sends.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app, request

YEAR = 365 * 24 * 3600
SHORT = 300
_hashes: dict[str, str | None] = {}


def init_app(app: Flask) -> None:
    app.url_defaults(_add_fingerprint)
    app.after_request(_cache_headers)


def fingerprint(filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256 (computed once per process)."""
    if filename not in _hashes:
        path = Path(current_app.static_folder or "") / filename
        _hashes[filename] = (hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                             if path.is_file() else None)
    return _hashes[filename]


def _add_fingerprint(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        digest = fingerprint(values["filename"])
        if digest:
            values["v"] = digest


def _cache_headers(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    current = request.args.get("v") and request.args["v"] == fingerprint(filename)
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.max_age = YEAR if current else SHORT
    if current:
        response.cache_control.immutable = True
    return response
