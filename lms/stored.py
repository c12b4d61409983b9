"""Tie stored objects to the fate of the database transaction.

A certificate's PDF, or a SCORM package's files, are stored while the transaction
that records them is still open. If that transaction rolls back, the objects would
be orphans, so the keys stored in it are deleted when it ends without a commit.
(Mail is a job queued in the same transaction: a rollback drops it too.)
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from lms.extensions import db
from lms.storage import StorageError, get_storage

log = logging.getLogger("lms.storage")

_KEYS = "lms.stored_keys"


def track_stored(key: str) -> None:
    """Delete ``key`` from storage unless the current transaction commits."""
    db.session().info.setdefault(_KEYS, []).append(key)


def install() -> None:
    """Listen on every session (idempotent); called by the domains that store objects."""
    if not event.contains(Session, "after_commit", _on_commit):
        event.listen(Session, "after_commit", _on_commit)
        event.listen(Session, "after_transaction_end", _on_end)


def _on_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release is no commit
        session.info.pop(_KEYS, None)


def _on_end(session: Session, transaction: SessionTransaction) -> None:
    """A root transaction ending with keys still listed did not commit: remove them."""
    if transaction.parent is not None:
        return
    for key in session.info.pop(_KEYS, []):
        try:
            get_storage().delete(key)
        except (StorageError, RuntimeError):
            log.warning("could not delete orphan stored object %s", key)
