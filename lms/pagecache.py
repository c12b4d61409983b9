"""Rendered public pages kept in memory for anonymous visitors.

A page is served from memory while its *stamp* (a cheap query naming the data
it shows, e.g. the newest ``course.updated_at``) is unchanged and it is younger
than ``seconds``. Each process reads a stamp from the database at most once a
second, so every process shows a publish, an edit or a removal within a second;
the process that wrote it forgets its pages at once (:func:`watch`). Pages that set a
cookie (a CSRF token, a flash message) are never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps
from time import monotonic

from flask import current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

MAX_PAGES = 1024
#: A stamp read from the database is trusted this long (so a publish shows within a second).
STAMP_SECONDS = 1.0
_pages: dict[str, tuple[Hashable, float, bytes, list[tuple[str, str]], int]] = {}
_stamps: dict[tuple, tuple[Hashable, float]] = {}


def for_anonymous(stamp: Callable[..., Hashable], seconds: float = 60):
    """Serve the view's page from memory to anonymous GETs while ``stamp(**kwargs)`` holds."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method != "GET" or current_user.is_authenticated:
                return view(*args, **kwargs)
            key, version = request.full_path, _current(stamp, kwargs)
            hit = _pages.get(key)
            if hit and hit[0] == version and hit[1] > monotonic():
                return current_app.response_class(hit[2], status=hit[4], headers=hit[3])
            response = make_response(view(*args, **kwargs))
            if response.status_code == 200 and not session.modified:
                _store(key, version, seconds, response)
            return response
        return wrapper
    return decorate


def _current(stamp: Callable[..., Hashable], kwargs: dict) -> Hashable:
    key = (stamp, *sorted(kwargs.items()))
    known = _stamps.get(key)
    now = monotonic()
    if known is None or known[1] <= now:
        if len(_stamps) >= MAX_PAGES:
            _stamps.clear()
        known = _stamps[key] = (stamp(**kwargs), now + STAMP_SECONDS)
    return known[0]


def _store(key: str, version: Hashable, seconds: float, response) -> None:
    if len(_pages) >= MAX_PAGES:
        _pages.clear()
    _pages[key] = (version, monotonic() + seconds, response.get_data(),
                   list(response.headers.items()), response.status_code)


def watch(*models: type) -> None:
    """Forget this process's pages as soon as a row of ``models`` is written here.

    Other processes notice through the stamp within ``STAMP_SECONDS``.
    """
    def written(session: Session, _context) -> None:
        changed = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(obj, models) for obj in changed):
            clear()

    event.listen(Session, "after_flush", written)


def clear() -> None:
    """Forget every page and stamp (tests)."""
    _pages.clear()
    _stamps.clear()
