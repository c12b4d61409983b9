"""Domain exceptions and their mapping to HTML error pages or problem+json.

Services raise these; nothing else in the code base builds an error response.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, jsonify, render_template, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from lms.extensions import db

log = logging.getLogger("lms.errors")


class DomainError(Exception):
    status = 400
    title = "Bad request"
    #: Extra members of the problem+json body (``opens_at`` of a join window, say).
    fields: dict[str, object] = {}

    def __init__(self, detail: str = "", *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}


class ValidationError(DomainError):
    """Input that breaks a rule; ``errors`` maps field names to messages."""

    status = 422
    title = "Invalid input"


class BadRequest(DomainError):
    status = 400
    title = "Bad request"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class TooLarge(DomainError):
    status = 413
    title = "Too large"


class UnsupportedType(DomainError):
    status = 415
    title = "Unsupported type"


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str = "", *, retry_after: int = 60) -> None:
        super().__init__(detail or "Too many attempts. Please wait and try again.")
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"


#: JSON endpoints outside ``/api/``: a package launcher's runtime data (lms/progress/launcher.py).
JSON_ENDPOINTS = frozenset({"package_launcher.runtime", "package_launcher.commit_runtime",
                            "package_launcher.cmi5_launch"})


def wants_json() -> bool:
    """The API, and API clients (Bearer token) on the page URLs the API hands out."""
    authorization = request.headers.get("Authorization", "").lower()
    return (request.path.startswith("/api/") or authorization.startswith("bearer")
            or request.endpoint in JSON_ENDPOINTS)


def problem(status: int, title: str, detail: str, **extra) -> Response:
    """An RFC 9457 problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def error_page(status: int, title: str, detail: str, incident: str | None = None) -> str:
    """The HTML error page; a bare page when the site template itself cannot render.

    The full page asks for the current member (the database), which may be the
    very thing that failed: the error must still be reported, not raise again.
    """
    from lms.origins import on_content_host

    if on_content_host():
        # The package content host shows nothing of the main site, not even its header.
        return FALLBACK_PAGE.format(title=escape(title), detail=escape(detail))
    try:
        return render_template("errors/error.html", status=status, title=title, detail=detail,
                               incident=incident)
    except Exception:
        log.exception("could not render the error page for %s", status)
        return FALLBACK_PAGE.format(title=escape(title), detail=escape(detail))


FALLBACK_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body><main><h1>{title}</h1><p>{detail}</p><p><a href="/">Go to the home page</a></p>'
    "</main></body></html>"
)


def error_response(status: int, title: str, detail: str, errors=None, headers=None,
                   incident: str | None = None, fields: dict | None = None) -> Response:
    extra: dict = {**(fields or {}), **({"errors": errors} if errors else {})}
    if incident:
        extra["incident"] = incident
    if wants_json():
        response = problem(status, title, detail, **extra)
    else:
        html = error_page(status, title, detail, incident)
        response = Response(html, status=status, mimetype="text/html")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_domain_error(exc: DomainError) -> Response:
    who = actor_label() if exc.status == 403 else ""
    db.session.rollback()
    if exc.status == 403:
        log.warning("forbidden: %s %s by %s: %s", request.method, request.path, who, exc.detail)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    return error_response(exc.status, exc.title, exc.detail, exc.errors, headers,
                          fields=exc.fields)


def retry_after_seconds() -> int:
    """Seconds until the request limit that was just hit lets requests through again."""
    from lms.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def actor_label() -> str:
    """Who was refused, for the 403 log line (ASVS 16: log the subject, not just the path).

    Read before the rollback, which would expire the loaded user and cost a query.
    """
    from flask_login import current_user

    user_id = getattr(current_user, "id", None) if current_user else None
    return f"member {user_id}" if user_id is not None else f"anonymous {request.remote_addr}"


def handle_http_exception(exc: HTTPException) -> Response:
    who = actor_label() if exc.code == 403 else ""
    db.session.rollback()
    headers = {}
    if exc.code == 429:
        headers["Retry-After"] = str(retry_after_seconds())
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    if exc.code == 416 and getattr(exc, "length", None) is not None:
        headers["Content-Range"] = f"{exc.units} */{exc.length}"
    if exc.code == 403:
        log.warning("forbidden: %s %s by %s", request.method, request.path, who)
    detail = exc.description or exc.name
    return error_response(exc.code or 500, exc.name, detail, headers=headers)


def handle_unexpected(exc: Exception) -> Response:
    """A generic page naming the request id, which is also on the log line and in the
    ``X-Request-ID`` header; never a traceback."""
    from lms.logs import current_request_id, new_request_id

    db.session.rollback()
    incident = current_request_id() or new_request_id()
    log.exception("unhandled error %s on %s %s", incident, request.method, request.path)
    detail = ("Something went wrong on our side. We have logged it; if it keeps happening, "
              "tell the site staff this reference.")
    return error_response(500, "Internal server error", detail, incident=incident)


def handle_out_of_range(exc: Exception) -> Response:
    """A value the database cannot hold: an id past its integer range, or (on PostgreSQL)
    text longer than its column. The input was bad, so 400, never 500.

    Services validate first; this is the net under them, logged so the missing check
    can be added where it belongs.
    """
    db.session.rollback()
    log.warning("value out of range on %s %s: %s", request.method, request.path,
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if "NUL" in str(exc):
        return error_response(400, "Bad request", "A value in the request holds text that "
                              "cannot be stored.")
    return error_response(400, "Bad request", "A value in the request is out of range.")


def handle_unencodable(exc: UnicodeEncodeError) -> Response:
    """Text the database driver cannot encode (a lone surrogate): 400, never 500.

    Input is checked where it enters (:mod:`lms.text`); this is the net under it.
    Other encoding errors are bugs and stay 500.
    """
    if exc.reason != "surrogates not allowed":
        return handle_unexpected(exc)
    db.session.rollback()
    log.warning("unencodable text on %s %s: %s", request.method, request.path, exc)
    return error_response(400, "Bad request", "A value in the request holds text that "
                          "cannot be stored.")


def register_error_handlers(app: Flask) -> None:
    from sqlalchemy.exc import DataError

    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DataError, handle_out_of_range)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(UnicodeEncodeError, handle_unencodable)
    if not app.config.get("PROPAGATE_EXCEPTIONS") and not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
