"""Cross-cutting HTTP behaviour: security headers, safe redirects, template helpers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from lms.extensions import login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{extra}; "
    "media-src 'self' blob:{extra}; connect-src 'self'{extra}; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


#: Largest id a URL may name: PostgreSQL ``integer`` columns (SQLite's limit is 2**63 - 1).
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` limited to ids the database can hold.

    A larger number is no route (404), not an overflow or "integer out of range"
    error from the driver (500).
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Call before blueprints are registered: rules pick their converters when added."""
    app.url_map.converters["int"] = DatabaseIdConverter
    trust_proxies(app)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token_value"] = csrf_token_value
    app.jinja_env.globals["maybe_url"] = maybe_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def trust_proxies(app: Flask) -> None:
    """Believe ``X-Forwarded-For/Proto/Host`` from exactly ``PROXY_COUNT`` proxies."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def csrf_token_value() -> str:
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


def me():
    """The logged-in user itself rather than Flask-Login's proxy, to hand to services."""
    return current_user._get_current_object()


def require_login():
    """``before_request`` hook of blueprints whose every page needs a logged-in user."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def maybe_url(endpoint: str, **values) -> str | None:
    """``url_for`` that answers None for an endpoint this app does not have."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def storage_origins(app: Flask) -> str:
    """Origins the browser may fetch media from and PUT uploads to (S3 mode only)."""
    if app.config.get("STORAGE") != "s3":
        return ""
    endpoint = app.config.get("S3_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        return f" {parts.scheme}://{parts.netloc}"
    return " https://*.amazonaws.com"


def add_security_headers(response: Response) -> Response:
    from flask import current_app

    extra = storage_origins(current_app)
    response.headers.setdefault("Content-Security-Policy", CSP.format(extra=extra))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.path.startswith("/api/") or (request.endpoint or "").startswith("accounts."):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def site_url(path: str) -> str:
    """An absolute link to ``path`` on this site, for mail.

    Built from ``BASE_URL`` rather than the request's Host header, which a
    client chooses: a forged Host must never put its domain into a reset link.
    """
    from flask import current_app

    return current_app.config["BASE_URL"].rstrip("/") + path


def safe_next_url(target: str | None, default: str = "/") -> str:
    """Return ``target`` only when it is a path on this site, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks.
    """
    if not target:
        return default
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
