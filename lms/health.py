"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from lms.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: answers without touching the database or storage."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/readyz")
def readyz():
    """Readiness: the database and the storage backend both answer."""
    from lms.storage import StorageError, get_storage

    failures = []
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        failures.append("database")
    try:
        get_storage().check()
    except StorageError:
        failures.append("storage")
    if failures:
        body = "not ready: " + ", ".join(failures) + " unavailable"
        return body, 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
