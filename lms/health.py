"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text

from lms.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger("lms.health")
PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    """Liveness: answers without touching the database or storage."""
    return "ok", 200, PLAIN


@bp.get("/readyz")
def readyz():
    """Readiness: the database and the storage backend both answer, and the credential
    signing key can be read; 503 names what does not."""
    failures = [name for name, probe in (("database", _check_database),
                                         ("storage", _check_storage),
                                         ("signing key", _check_signing_key)) if not probe()]
    if failures:
        return "not ready: " + ", ".join(failures) + " unavailable", 503, PLAIN
    return "ok", 200, PLAIN


def _check_database() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # a probe reports any failure, whatever the driver raises
        log.warning("readiness: database unavailable", exc_info=True)
        db.session.rollback()
        return False
    return True


def _check_storage() -> bool:
    from lms.storage import get_storage

    try:
        get_storage().check()
    except Exception:  # StorageError, or a misconfiguration found while building the backend
        log.warning("readiness: storage unavailable", exc_info=True)
        return False
    return True


def _check_signing_key() -> bool:
    """Without its key a server cannot issue certificates (production never makes one)."""
    from lms.certificates.keys import issuer_keys

    try:
        issuer_keys()
    except Exception:  # missing, unreadable or malformed: each stops issuance alike
        log.warning("readiness: credential signing key unavailable", exc_info=True)
        return False
    return True
