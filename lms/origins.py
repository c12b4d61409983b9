"""The two origins of the site: the app's own (``BASE_URL``) and the package content origin.

SCORM and cmi5 packages are web pages an instructor uploads; their scripts must never
run on the app's origin, where they would act with the viewer's session. They are
served from a second host name routed to the same app (``PACKAGE_BASE_URL``), which
receives no cookie of the main site (the session cookies are host-only) and answers
only the package routes: a signed launch token in the path authorises everything
there. Each host answers 404 for the other's routes; ``/static`` and the health probes
are served on both.

Unset, the content origin is derived from ``BASE_URL`` by swapping the loopback names
(``127.0.0.1`` and ``localhost``, same scheme and port), so the demo and the tests
need no setting. On any other host, unset means no content origin: package items
cannot play (the player says why) and nothing falls back to the app's own origin.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, redirect, request

log = logging.getLogger(__name__)

LOOPBACK_SWAP = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Blueprints that answer on the content host only.
CONTENT_BLUEPRINTS = frozenset({"packages", "package_launcher", "cmi5"})
#: Endpoints both hosts answer: static files, and the probes a load balancer may send
#: with either host name.
SHARED_ENDPOINTS = frozenset({"static", "health.healthz", "health.readyz"})


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-case, without the scheme's default port."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    if port is None or DEFAULT_PORTS.get(scheme) == port:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def package_base_url(config) -> str | None:
    """The content origin's base URL (no trailing slash), or None when there is none."""
    explicit = config.get("PACKAGE_BASE_URL")
    if explicit:
        return explicit.rstrip("/")
    parts = urlsplit(config["BASE_URL"])
    swapped = LOOPBACK_SWAP.get((parts.hostname or "").lower())
    if swapped is None:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{swapped}{port}"


def check(config) -> None:
    """Refuse a content origin equal to the app's, or one the session cookies reach;
    warn (outside tests) when there is none."""
    base = package_base_url(config)
    if base is None:
        if not config.get("TESTING"):
            log.warning("LMS_PACKAGE_BASE_URL is not set and LMS_BASE_URL is not a loopback "
                        "address: SCORM and cmi5 package items cannot play (README, "
                        "\"SCORM and cmi5 packages\").")
        return
    host = (urlsplit(base).hostname or "").lower()
    if host == (urlsplit(config["BASE_URL"]).hostname or "").lower():
        # Cookies ignore ports and schemes: another port of the same host would get them.
        raise RuntimeError("LMS_PACKAGE_BASE_URL must be another origin than LMS_BASE_URL, "
                           "on another host name: packages must never run on the app's own "
                           "origin or see its cookies")
    for name in ("SESSION_COOKIE_DOMAIN", "REMEMBER_COOKIE_DOMAIN"):
        domain = (config.get(name) or "").lstrip(".").lower()
        if domain and (host == domain or host.endswith("." + domain)):
            raise RuntimeError(f"{name} would send the session cookie to the package content "
                               "host; leave it unset (host-only cookies)")


@lru_cache(maxsize=16)
def _content(base_url: str, explicit: str | None) -> tuple[str, str] | None:
    """(origin, host as browsers send it) of the content origin, per settings."""
    base = package_base_url({"BASE_URL": base_url, "PACKAGE_BASE_URL": explicit})
    return (origin_of(base), host_of(urlsplit(base).netloc)) if base else None


def _current() -> tuple[str, str] | None:
    config = current_app.config
    return _content(config["BASE_URL"], config.get("PACKAGE_BASE_URL"))


def content_origin() -> str | None:
    found = _current()
    return found[0] if found else None


def main_origin() -> str:
    return origin_of(current_app.config["BASE_URL"])


def content_url(path: str) -> str | None:
    """An absolute URL of ``path`` (from ``url_for``) on the content origin, or None."""
    origin = content_origin()
    return origin + path if origin else None


def host_of(netloc: str) -> str:
    """A ``host[:port]`` as browsers send it: lower-case, without port 80 or 443."""
    host = netloc.lower()
    for port in (":80", ":443"):
        host = host.removesuffix(port)
    return host


def on_content_host() -> bool:
    """The request came to the content host (by its Host header, whatever the scheme a
    proxy in front terminated)."""
    found = _current()
    return found is not None and host_of(request.host) == found[1]


def keep_hosts_apart() -> Response | None:
    """``before_request``: each host answers only its own routes (404 otherwise).

    A page of the site asked of the content host by GET (someone typed ``localhost``
    for ``127.0.0.1``) is sent to the same path on the app's origin: a redirect serves
    nothing of the site there.
    """
    from lms.errors import NotFound

    if request.endpoint is None or request.endpoint in SHARED_ENDPOINTS:
        return None
    content_host = on_content_host()
    if (request.blueprint in CONTENT_BLUEPRINTS) == content_host:
        return None
    if content_host and request.method in ("GET", "HEAD"):
        return redirect(main_origin() + request.full_path.removesuffix("?"), 302)
    raise NotFound("There is nothing here.")


def init_app(app: Flask) -> None:
    """Call before the extensions: the host check runs before CSRF and logins look."""
    app.before_request(keep_hosts_apart)
