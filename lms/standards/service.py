"""Forward the learning record to an external Learning Record Store, in order, once.

Every transaction that records learning events queues one forwarding job (when
``LMS_LRS_URL`` is set). A job takes the lease on the single ``lrs_cursor`` row,
so one forwarder sends at a time; it sends the events after the cursor in id
order, in batches, and moves the cursor (committing) only after the LRS accepted
a batch. A job that finds the LRS down raises ``TransientError``: the queue tries
it again with backoff, and the next attempt starts from the cursor, so nothing is
lost or sent twice out of order (statement ids never change: an LRS keeps one copy).

Event ids come from a sequence, so a transaction still recording may commit a
lower id after a higher one was sent. The forwarder therefore stops at a gap in
the ids and waits for it to fill; a gap that stays open past ``LRS_GAP_GRACE_SECONDS``
belongs to a rolled-back transaction (or deleted events) and is passed over.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lms.errors import DomainError
from lms.extensions import db, utcnow
from lms.jobs import TransientError, enqueue, task
from lms.progress.models import LearningEvent
from lms.standards import lrs
from lms.standards.models import CURSOR_ID, LrsCursor

log = logging.getLogger("lms.standards")

TASK = "standards.forward_to_lrs"
BATCH_SIZE = 100
#: How long a forwarder holds the cursor without moving it before another may take over.
LEASE = timedelta(minutes=2)
#: A gap in event ids is looked at again this often, this many times, before the job yields.
GAP_POLL_SECONDS, GAP_POLLS = 0.2, 10
#: ``session.info`` key: a forwarding job is already queued in this transaction.
_QUEUED = "lms.standards.lrs_queued"


def endpoint() -> lrs.Endpoint | None:
    """The configured LRS, or None when ``LMS_LRS_URL`` is not set."""
    config = current_app.config
    if not config.get("LRS_URL"):
        return None
    return lrs.Endpoint(config["LRS_URL"], config.get("LRS_USERNAME"),
                        config.get("LRS_PASSWORD"), config["LRS_TIMEOUT_SECONDS"])


def request_forwarding() -> None:
    """Queue one forwarding job for the current transaction (none without an LRS)."""
    if not current_app.config.get("LRS_URL"):
        return
    session = db.session()
    if session.info.get(_QUEUED):
        return
    session.info[_QUEUED] = True
    enqueue(TASK)


def transaction_ended(session) -> None:
    """Forget the queued mark when the transaction that set it ends (committed or not)."""
    session.info.pop(_QUEUED, None)


@task(TASK, max_attempts=40)
def forward_job() -> None:
    """The job: forward the backlog; retried with backoff while the LRS is down or busy."""
    forward_backlog()


def forward_backlog() -> int:
    """Send every event after the cursor, in id order; commit as batches are accepted.

    Returns how many statements were sent. Raises TransientError when the LRS is
    unreachable, another forwarder holds the lease, or a fresh gap is still open;
    DomainError when the LRS refuses a statement as invalid (staff must look).
    """
    target = endpoint()
    if target is None:
        return 0
    token = _take_lease()
    if token is None:
        raise TransientError("another forwarder holds the LRS cursor")
    try:
        return _forward(target, token)
    finally:
        _release_lease(token)


def _forward(target: lrs.Endpoint, token: str) -> int:
    sent = 0
    while True:
        cursor = _cursor()
        batch = _next_batch(cursor)
        if not batch:
            return sent
        try:
            lrs.send(target, [event.statement for event in batch])
        except lrs.LrsUnavailable as exc:
            _record_error(token, str(exc))
            raise TransientError(str(exc)) from exc
        except lrs.LrsRefused as exc:
            _advance(token, batch[:exc.accepted])
            _record_error(token, str(exc))
            raise DomainError(str(exc)) from exc
        _advance(token, batch)
        sent += len(batch)


@dataclass(frozen=True)
class _Event:
    id: int
    statement: dict


def _next_batch(cursor: LrsCursor) -> list[_Event]:
    """The events after the cursor up to the first gap in ids (waiting a moment for it)."""
    for _ in range(GAP_POLLS):
        rows = _events_after(cursor.last_event_id)
        ready = _without_gap(rows, cursor.last_event_id)
        if ready or not rows:
            return ready
        time.sleep(GAP_POLL_SECONDS)
        db.session.rollback()  # a fresh snapshot
    if _gap_expired(cursor):
        log.warning("event ids %s to %s never appeared; forwarding goes on after them",
                    cursor.last_event_id + 1, rows[0].id - 1)
        return _without_gap(rows, rows[0].id - 1)
    raise TransientError(f"waiting for event {cursor.last_event_id + 1}, still being recorded")


def _events_after(last_id: int) -> list[_Event]:
    rows = db.session.execute(
        select(LearningEvent.id, LearningEvent.statement).where(LearningEvent.id > last_id)
        .order_by(LearningEvent.id).limit(BATCH_SIZE)).all()
    return [_Event(row.id, row.statement) for row in rows]


def _without_gap(rows: list[_Event], last_id: int) -> list[_Event]:
    """The leading run of ``rows`` whose ids follow ``last_id`` one by one."""
    ready = []
    for row in rows:
        if row.id != last_id + 1:
            break
        ready.append(row)
        last_id = row.id
    return ready


def _gap_expired(cursor: LrsCursor) -> bool:
    """Whether the gap just after the cursor has been open longer than the grace period."""
    now = utcnow()
    if cursor.gap_seen_at is None:
        _update_cursor(gap_seen_at=now)
        return current_app.config["LRS_GAP_GRACE_SECONDS"] <= 0
    grace = timedelta(seconds=current_app.config["LRS_GAP_GRACE_SECONDS"])
    return cursor.gap_seen_at <= now - grace


# --- the cursor row -------------------------------------------------------------

def _cursor() -> LrsCursor:
    db.session.rollback()  # read what is committed now
    return db.session.get(LrsCursor, CURSOR_ID, populate_existing=True)


def _ensure_cursor() -> None:
    """Create the cursor row if it is missing (safe when two processes race)."""
    dialect = db.session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(LrsCursor).values(id=CURSOR_ID, last_event_id=0, forwarded_count=0)
                       .on_conflict_do_nothing(index_elements=["id"]))
    db.session.commit()


def _take_lease() -> str | None:
    """A token naming this forwarder as the only one, or None when another holds it."""
    _ensure_cursor()
    now = utcnow()
    token = secrets.token_hex(16)
    free = or_(LrsCursor.leased_until.is_(None), LrsCursor.leased_until < now)
    taken = db.session.execute(
        update(LrsCursor).where(LrsCursor.id == CURSOR_ID, free)
        .values(lease_token=token, leased_until=now + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return token if taken.rowcount == 1 else None


def _release_lease(token: str) -> None:
    db.session.rollback()
    _update_cursor(token, lease_token=None, leased_until=None)


def _advance(token: str, batch: list[_Event]) -> None:
    """Move the cursor past an accepted batch (and keep the lease); commit."""
    if not batch:
        return
    now = utcnow()
    moved = _update_cursor(
        token, last_event_id=batch[-1].id, forwarded_count=LrsCursor.forwarded_count + len(batch),
        last_forwarded_at=now, leased_until=now + LEASE, gap_seen_at=None, last_error=None,
        last_error_at=None)
    if not moved:
        raise TransientError("another forwarder took the LRS cursor over")


def _record_error(token: str, error: str) -> None:
    db.session.rollback()
    _update_cursor(token, last_error=error[:2000], last_error_at=utcnow())


def _update_cursor(token: str | None = None, **values) -> bool:
    """Update the cursor row (only while ``token`` holds the lease, when given); commit."""
    condition = [LrsCursor.id == CURSOR_ID]
    if token is not None:
        condition.append(LrsCursor.lease_token == token)
    result = db.session.execute(update(LrsCursor).where(*condition).values(**values)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


# --- for staff ------------------------------------------------------------------

@dataclass(frozen=True)
class LrsStatus:
    url: str | None
    last_event_id: int
    forwarded: int
    backlog: int
    last_forwarded_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def status() -> LrsStatus:
    """Where forwarding stands: the cursor, how many events wait, the last error."""
    cursor = db.session.get(LrsCursor, CURSOR_ID)
    last_id = cursor.last_event_id if cursor else 0
    backlog = db.session.scalar(select(func.count(LearningEvent.id))
                                .where(LearningEvent.id > last_id)) or 0
    return LrsStatus(
        url=current_app.config.get("LRS_URL"), last_event_id=last_id,
        forwarded=cursor.forwarded_count if cursor else 0, backlog=backlog,
        last_forwarded_at=cursor.last_forwarded_at if cursor else None,
        last_error=cursor.last_error if cursor else None,
        last_error_at=cursor.last_error_at if cursor else None)


def status_line() -> str | None:
    """One sentence for the staff jobs page (None when no LRS is set)."""
    if not current_app.config.get("LRS_URL"):
        return None
    now = status()
    sent = (f"last sent {now.last_forwarded_at:%Y-%m-%d %H:%M} UTC"
            if now.last_forwarded_at else "nothing sent yet")
    line = (f"Learning Record Store: {now.forwarded} statements forwarded, {sent}; "
            f"{now.backlog} waiting.")
    if now.last_error:
        line += f" Last error ({now.last_error_at:%Y-%m-%d %H:%M} UTC): {now.last_error}"
    return line
