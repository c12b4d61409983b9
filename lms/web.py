"""Cross-cutting HTTP behaviour: security headers, safe redirects, template helpers and filters."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from lms import units
from lms.extensions import login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{extra}; "
    "media-src 'self' blob:{extra}; connect-src 'self'{extra}; font-src 'self'; "
    "frame-src 'self'{frames}; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


#: Largest id a URL may name: PostgreSQL ``integer`` columns (SQLite's limit is 2**63 - 1).
MAX_DATABASE_ID = 2**31 - 1


def digits_up_to(limit: int) -> str:
    """A regular expression matching the decimal numbers from 0 to ``limit``."""
    digits = str(limit)
    parts = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 and len(digits) > 1 else 0
        if int(digit) > lowest:
            rest = len(digits) - position - 1
            parts.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}][0-9]{{{rest}}}")
    return "(?:" + "|".join([*parts, digits]) + ")"


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` limited to ids the database can hold.

    A larger number is no route (404 for every method), not an overflow or
    "integer out of range" error from the driver (500). The limit is in the
    pattern: a number a converter refuses after matching would make Werkzeug
    answer 405 when the same path takes another method.
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)
        self.regex = digits_up_to(self.max)


def init_app(app: Flask) -> None:
    """Call before blueprints are registered: rules pick their converters when added."""
    from lms.jsonbody import Request

    app.request_class = Request
    app.url_map.converters["int"] = DatabaseIdConverter
    trust_proxies(app)
    app.before_request(refuse_unstorable_address)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token_value"] = csrf_token_value
    app.jinja_env.globals["header_links"] = header_links
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["maybe_url"] = maybe_url
    app.jinja_env.globals["CEU_EXPLAINED"] = units.CEU_EXPLAINED
    for name in ("plain_number", "ce_hours", "ce_credit", "duration"):
        app.jinja_env.filters[name] = getattr(units, name)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def refuse_unstorable_address() -> None:
    """400 for a query-string or path value no text can hold (``?q=%00``), before any view.

    Such a value would otherwise reach a query, where PostgreSQL refuses NUL.
    """
    from lms.errors import BadRequest
    from lms.text import unstorable

    values = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    errors = {name: [problem] for name, value in values
              if isinstance(value, str) and (problem := unstorable(value))}
    if errors:
        raise BadRequest("Part of the address holds characters that cannot be used.",
                         errors=errors)


def trust_proxies(app: Flask) -> None:
    """Believe ``X-Forwarded-For/Proto/Host`` from exactly ``PROXY_COUNT`` proxies."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


CSRF_TOKEN_REUSE_SECONDS = 300


def csrf_token_value() -> str:
    """The session's signed CSRF token for pages (``<meta>`` and the logout form).

    Signing costs more than the rest of a page header, so one signed token serves a
    session's pages for five minutes. It stays valid for ``WTF_CSRF_TIME_LIMIT`` from
    signing, so forms still work for that long less at most five minutes.
    """
    from flask import current_app, session
    from flask_wtf.csrf import generate_csrf

    # Signed tokens by raw session secret, with when they were signed.
    tokens: dict[str, tuple[float, str]] = current_app.extensions.setdefault("csrf_pages", {})
    raw = session.get("csrf_token")
    kept = tokens.get(raw) if raw else None
    if kept is not None and time.monotonic() - kept[0] < CSRF_TOKEN_REUSE_SECONDS:
        return kept[1]
    token = generate_csrf()
    if len(tokens) >= 4096:
        tokens.clear()
    tokens[session["csrf_token"]] = (time.monotonic(), token)
    return token


def static_url(filename: str) -> str:
    """``url_for('static', filename=...)`` (fingerprinted), built once per app and script
    root: pages link the same few files on every view."""
    from flask import current_app, url_for

    kept: dict[tuple, str] = current_app.extensions.setdefault("static_urls", {})
    key = (request.script_root, filename)
    url = kept.get(key)
    if url is None:
        url = kept[key] = url_for("static", filename=filename)
    return url


def header_links() -> dict[str, object]:
    """The URLs the site header shows the current visitor, and the main navigation.

    Built with ``url_for`` once per app, script root and role, not on every page.
    """
    from flask import current_app, url_for

    kept: dict[tuple, dict[str, object]] = current_app.extensions.setdefault(
        "header_links", {})
    user = current_user
    role = (user.is_authenticated, user.is_authenticated and user.can_teach,
            user.is_authenticated and user.is_admin)
    key = (request.script_root, *role)
    links = kept.get(key)
    if links is None:
        nav = [("Courses", maybe_url("catalog.index")), ("Webinars", maybe_url("live.webinars"))]
        if role[0]:
            nav += [("My learning", maybe_url("progress.dashboard")),
                    ("Certificates", maybe_url("certificates.mine")),
                    ("Colleagues", maybe_url("discussions.directory_page"))]
        if role[1]:
            nav.append(("Studio", maybe_url("studio.index")))
        if role[2]:
            nav.append(("Reports", maybe_url("reports.index")))
        links = kept[key] = {
            "nav": [(label, href) for label, href in nav if href],
            "css": static_url("css/site.css"), "icon": static_url("favicon.ico"),
            "home": url_for("pages.home"), "staff": url_for("accounts.admin_members"),
            "profile": url_for("accounts.profile"), "logout": url_for("accounts.logout"),
            "notifications": maybe_url("discussions.notifications"),
            "login": url_for("accounts.login"), "register": url_for("accounts.register")}
    return links


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


def frame_origins() -> str:
    """The package content origin, which the player frames (lms/origins.py)."""
    from lms.origins import content_origin

    origin = content_origin()
    return f" {origin}" if origin else ""


def add_security_headers(response: Response) -> Response:
    from flask import current_app

    extra = storage_origins(current_app)
    response.headers.setdefault("Content-Security-Policy",
                                CSP.format(extra=extra, frames=frame_origins()))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    csp = response.headers["Content-Security-Policy"]
    if "frame-ancestors" not in csp or "frame-ancestors 'none'" in csp:
        # Pages that may be framed (package content) say by whom in frame-ancestors.
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
