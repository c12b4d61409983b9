"""Shared plumbing of the JSON API: blueprints, Bearer auth, JSON input, lists.

Every domain's ``api.py`` builds its blueprint with :func:`api_blueprint`, so all
of ``/api/v1`` authenticates the same way: a Bearer token (no CSRF needed), or
the browser's session cookie, in which case writes need the CSRF token header.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, g, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from lms.accounts.tokens import Credential
from lms.errors import BadRequest, Unauthorized
from lms.extensions import csrf
from lms.jsonbody import body_bytes

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_PER_PAGE = 100
MAX_PAGE = 2**31 - 1


def api_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    csrf.exempt(bp)
    bp.before_request(authenticate_request)
    return bp


#: Endpoints whose handlers confirm the caller inside their own first statement
#: (:func:`defers_authentication`).
_deferred: set[str] = set()


def defers_authentication(bp: Blueprint):
    """Mark a view of ``bp`` as confirming its caller itself, from :func:`credential`.

    Its request is not authenticated up front (a statement less for the busiest
    endpoint); session writes still need their CSRF token. The handler must check
    the credential in the SQL it runs, and call :func:`require_actor` (which then
    authenticates as usual, 401 included) for anything that SQL did not confirm.
    """
    def mark(view):
        _deferred.add(f"{bp.name}.{view.__name__}")
        return view
    return mark


def credential() -> Credential | None:
    """The request's unconfirmed credential (see :class:`Credential`), or None."""
    from lms.accounts.service import session_id_parts
    from lms.accounts.tokens import hash_token

    if request.headers.get("Authorization"):
        token = bearer_token()
        return Credential(token_hash=hash_token(token)) if token else None
    parts = session_id_parts(session.get("_user_id"))
    return Credential(user_id=parts[0], session_version=parts[1]) if parts else None


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def authenticate_request() -> None:
    """Use the Bearer token when one is sent; otherwise the session (with CSRF on writes)."""
    if request.endpoint in _deferred:
        g.authentication_deferred = True
        signed_in = session.get("_user_id") and not request.headers.get("Authorization")
        if request.method not in SAFE_METHODS and signed_in:
            _protect_from_csrf()
        return
    authenticate()


def authenticate() -> None:
    from lms.accounts.tokens import user_for_api_token

    if request.headers.get("Authorization"):
        token = bearer_token()
        user = user_for_api_token(token) if token else None
        if user is None:
            raise Unauthorized("The access token is missing, invalid, expired or revoked.")
        g._login_user = user  # Flask-Login's per-request user; no session is written
        g.api_token_auth = True
        return
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        _protect_from_csrf()


def token_or_login_required(view):
    """For the few page URLs the API hands out (a certificate's ``pdf_url``): a Bearer
    token works there as on ``/api/v1`` (a bad one is a 401 problem+json); without
    one, the session is needed and a browser is sent to log in as on other pages."""
    from lms.extensions import login_manager

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if sends_bearer_token():
            authenticate()
        elif not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)
    return checked


def sends_bearer_token() -> bool:
    """Whether the request carries ``Authorization: Bearer ...`` (an API client)."""
    return request.headers.get("Authorization", "").lower().startswith("bearer")


def _protect_from_csrf() -> None:
    try:
        csrf.protect()
    except CSRFError as exc:
        raise BadRequest(f"{exc.description} Send it in the X-CSRFToken header.") from None


def actor():
    """The authenticated member, or None."""
    if g.pop("authentication_deferred", False):
        authenticate()
    return current_user._get_current_object() if current_user.is_authenticated else None


def require_actor():
    user = actor()
    if user is None:
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.")
    return user


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, or ``{}`` for an empty body when ``optional``.

    Parsed by :mod:`lms.jsonbody` (400 malformed or too deep, 413 too large, 422 text
    that cannot be stored); 400 when it is not an object.
    """
    if optional and not body_bytes(request):
        return {}
    data = request.get_json()
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
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"page is 1 to {MAX_PAGE}; per_page is 1 to {MAX_PER_PAGE}.")
    return page, per_page


def listing(items: list, total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None
