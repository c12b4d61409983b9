"""Counting events (not requests) against a limit, on Flask-Limiter's storage.

Flask-Limiter's decorators count every request; a login must only count the
failed ones, per account and per address, and a reset form only the mails it
sends to one address, so these use the limiter's storage directly.
"""

from __future__ import annotations

import time

from flask import current_app
from limits import parse

from lms.errors import RateLimited
from lms.extensions import limiter


def limits_enabled() -> bool:
    """False when ``RATELIMIT_ENABLED`` is off: the limiter then has no storage to ask."""
    return current_app.config.get("RATELIMIT_ENABLED", True)


def check_failures(scope: str, keys: list[str]) -> None:
    """Raise ``RateLimited`` when any key has used up its failures in this window."""
    if not limits_enabled():
        return
    limit = parse(current_app.config["LOGIN_FAILURE_LIMIT"])
    for key in keys:
        if not limiter.limiter.test(limit, scope, key):
            reset_at, _remaining = limiter.limiter.get_window_stats(limit, scope, key)
            raise RateLimited(retry_after=int(reset_at - time.time()) + 1)


def record_failure(scope: str, keys: list[str]) -> None:
    if not limits_enabled():
        return
    limit = parse(current_app.config["LOGIN_FAILURE_LIMIT"])
    for key in keys:
        limiter.limiter.hit(limit, scope, key)


def allow(scope: str, key: str, limit_text: str) -> bool:
    """Count one event for ``key``; False (and not counted) once ``limit_text`` is used up."""
    if not limits_enabled():
        return True
    return limiter.limiter.hit(parse(limit_text), scope, key)
