"""Shared plumbing of the JSON API: blueprints, Bearer auth, JSON input, lists.

Every domain's ``api.py`` builds its blueprint with :func:`api_blueprint`, so all
of ``/api/v1`` authenticates the same way: a Bearer token (no CSRF needed), or
the browser's session cookie, in which case writes need the CSRF token header.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from lms.errors import BadRequest, Unauthorized
from lms.extensions import csrf

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_PER_PAGE = 100


def api_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    csrf.exempt(bp)
    bp.before_request(authenticate_request)
    return bp


def authenticate_request() -> None:
    """Use the Bearer token when one is sent; otherwise the session (with CSRF on writes)."""
    from lms.accounts.tokens import user_for_api_token

    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_api_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Unauthorized("The access token is missing, invalid, expired or revoked.")
        g._login_user = user  # Flask-Login's per-request user; no session is written
        g.api_token_auth = True
        return
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        try:
            csrf.protect()
        except CSRFError as exc:
            raise BadRequest(f"{exc.description} Send it in the X-CSRFToken header.") from None


def actor():
    """The authenticated member, or None."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def require_actor():
    user = actor()
    if user is None:
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.")
    return user


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 problem+json when it is missing or malformed."""
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The request body must be a JSON object (Content-Type: application/json).")
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return data


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1–100) from the query string."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        raise BadRequest("page and per_page must be whole numbers.") from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"page starts at 1; per_page is 1 to {MAX_PER_PAGE}.")
    return page, per_page


def listing(items: list, total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None
