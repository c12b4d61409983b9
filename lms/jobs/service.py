"""Queue jobs, run them once they are delivered, and let staff see and retry them."""

from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app, g, has_app_context
from psycopg.types.json import Json
from sqlalchemy import (
    Boolean,
    Connection,
    Insert,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from lms import metrics
from lms.database import DriverStatement, as_loaded
from lms.errors import Conflict, DomainError, Forbidden, NotFound
from lms.extensions import db, utcnow
from lms.jobs import queue
from lms.jobs.models import STATUSES, Job
from lms.jobs.registry import TransientError, get_task, is_heavy

log = logging.getLogger("lms.jobs")

#: ``g`` attribute naming the job the current task runs for (``report_progress``).
_CURRENT = "lms_jobs_current"


def enqueue(name: str, *, key: str | None = None, actor_id: int | None = None,
            parent_id: int | None = None, **arguments: Any) -> Job:
    """Record a job and send it once the current transaction commits.

    With ``key``, queuing it again returns the job already recorded under that
    key instead of making another: callers name what must happen only once
    (``"certificate-mail:42"``). A rollback drops the job with everything else.
    ``parent_id`` makes it a part of that job (:data:`WAIT_FOR_PARTS`).
    """
    task = get_task(name)
    values = {"name": name, "arguments": arguments, "key": key, "status": "queued",
              "attempts": 0, "max_attempts": task.max_attempts, "done_count": 0,
              "created_by_id": actor_id, "parent_id": parent_id, "enqueued_at": utcnow()}
    # ON CONFLICT rather than a savepoint: a concurrent transaction may hold the same key.
    job_id = insert_job(db.session.connection(), values)
    if job_id is None:
        return db.session.scalars(select(Job).where(Job.key == key)).one()
    queue.send_after_commit(job_id, task.heavy)
    log.debug("queued job %s (%s)", job_id, name)
    # The row as inserted, without reading it back or adding it to the session
    # (tests/perf/reports/jobs.md: a request that queues a job pays for one statement).
    return as_loaded(Job, values | {"id": job_id})


def insert_job(connection: Connection, values: dict[str, Any]) -> int | None:
    """Insert a job row unless its key is taken; its id, or None for a taken key.

    On PostgreSQL the statement runs on the driver's cursor (``DriverStatement``:
    half the CPU of ``Connection.execute``, which every request that queues a job
    pays); elsewhere through SQLAlchemy, which records the same row
    (tests/jobs/test_job_insert.py).
    """
    if connection.dialect.name == "postgresql":
        row = _DRIVER_INSERT.first(connection, values | {"arguments": Json(values["arguments"])})
        return row[0] if row is not None else None
    return connection.execute(_insert_job(connection.dialect.name), values).scalar()


#: The job row's insert per dialect, built once (a Core statement with its values
#: given at execution: no ORM bookkeeping for a row the request only hands over).
_INSERTS: dict[str, Insert] = {}


def _insert_job(dialect: str) -> Insert:
    if dialect not in _INSERTS:
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        _INSERTS[dialect] = (upsert(Job.__table__)
                             .on_conflict_do_nothing(index_elements=["key"])
                             .returning(Job.__table__.c.id))
    return _INSERTS[dialect]


#: The columns :func:`enqueue` gives a new job.
_INSERTED = ("name", "arguments", "key", "status", "attempts", "max_attempts", "done_count",
             "created_by_id", "parent_id", "enqueued_at")
_DRIVER_INSERT = DriverStatement(
    postgresql.insert(Job.__table__)
    .values({column: bindparam(column) for column in _INSERTED})
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(Job.__table__.c.id))


#: What a task returns when it has queued parts of itself (``enqueue(parent_id=…)``):
#: the job stays running, and is done when every part is (failed when one fails).
WAIT_FOR_PARTS = "wait for parts"


def run(job_id: int, *, may_retry: bool = True) -> None:
    """Run the job ``job_id`` delivered by the queue, and record how it went.

    A job already done (a message delivered twice) is skipped. A failure is
    retried (``TransientError`` raised for the queue's backoff) until the task's
    attempts are used up; a ``DomainError`` (bad input) fails at once. Without a
    broker (``may_retry`` False) there is one attempt: staff can retry a failure.
    A job that already has parts is not run again: its failed parts are.
    """
    job = _claim(job_id)
    if job is None:
        return
    if job.has_parts:
        _resume_parts(job_id)
        return
    task = get_task(job.name)
    g.setdefault(_CURRENT, (job.id, job.parent_id))
    try:
        outcome = task.function(**job.arguments)
    except Exception as exc:
        db.session.rollback()
        retried = may_retry and not isinstance(exc, DomainError)
        last = not retried or job.attempts >= job.max_attempts
        _record_failure(job_id, exc, last=last)
        if last and job.parent_id is not None:
            _fail_parent(job.parent_id, job_id)
        if not last:
            raise TransientError(f"job {job_id} ({job.name}) will be tried again") from exc
        return
    finally:
        g.pop(_CURRENT, None)
    if outcome == WAIT_FOR_PARTS:
        db.session.commit()  # the parts it queued go out
        _settle(job_id)
        return
    _finish(job_id, status="done", error=None)
    metrics.job_finished(task.name, "done")
    log.info("job %s (%s) done", job_id, task.name)
    if job.parent_id is not None:
        _settle(job.parent_id)


def _settle(parent_id: int) -> None:
    """Mark the parent done once none of its parts is unfinished.

    One statement, after the part's own commit: of two parts finishing at once,
    the later statement sees both done.
    """
    unfinished = select(Job.id).where(Job.parent_id == parent_id, Job.status != "done").exists()
    settled = db.session.execute(
        update(Job).where(Job.id == parent_id, Job.status == "running", ~unfinished)
        .values(status="done", finished_at=utcnow(), error=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if settled.rowcount == 1:
        metrics.job_finished(db.session.get(Job, parent_id).name, "done")


def _fail_parent(parent_id: int, part_id: int) -> None:
    db.session.execute(
        update(Job).where(Job.id == parent_id, Job.status == "running")
        .values(status="failed", finished_at=utcnow(),
                error=f"Part {part_id} failed; retry this job to run its failed parts again.")
        .execution_options(synchronize_session=False))
    db.session.commit()


def _resume_parts(parent_id: int) -> None:
    """A parent delivered again, or retried by staff: its failed parts run again."""
    failed = db.session.execute(select(Job.id, Job.name).where(Job.parent_id == parent_id,
                                                               Job.status == "failed")).all()
    if failed:
        db.session.execute(update(Job).where(Job.id.in_([part_id for part_id, _ in failed]))
                           .values(status="queued", attempts=0, error=None, finished_at=None,
                                   enqueued_at=utcnow())
                           .execution_options(synchronize_session=False))
        for part_id, name in failed:
            queue.send_after_commit(part_id, is_heavy(name))
    db.session.commit()
    _settle(parent_id)


class Claimed(NamedTuple):
    """What running a claimed job needs, as the claim's ``RETURNING`` gave it."""

    id: int
    name: str
    arguments: dict[str, Any]
    attempts: int
    max_attempts: int
    parent_id: int | None
    #: Parts queued by an earlier run (a parent delivered again or retried by staff).
    has_parts: bool


_JOB = Job.__table__
#: Mark the job running and count the attempt, returning what the run needs: one
#: statement where a claim, a read of the row and a look for its parts were three.
_CLAIM = (
    _JOB.update()
    .where(_JOB.c.id == bindparam("job_id"), _JOB.c.status.in_(("queued", "running")))
    .values(status="running", attempts=_JOB.c.attempts + 1, started_at=bindparam("now"),
            error=None)
    .returning(_JOB.c.id, _JOB.c.name, _JOB.c.arguments, _JOB.c.attempts,
               _JOB.c.max_attempts, _JOB.c.parent_id,
               # Spelled out: SQLite's RETURNING drops the table names SQLAlchemy
               # would need to tell the part from the job in a correlated subquery.
               literal_column("EXISTS (SELECT 1 FROM job AS part "
                              "WHERE part.parent_id = job.id)", Boolean).label("has_parts")))


def _claim(job_id: int) -> Claimed | None:
    """Mark the job running and count the attempt (committed); None when it is not to run.

    A job found ``running`` was left so by a worker that died: it runs again.
    """
    row = db.session.connection().execute(_CLAIM, {"job_id": job_id, "now": utcnow()}).first()
    db.session.commit()
    if row is None:
        log.info("job %s is not queued any more; skipped", job_id)
        return None
    return Claimed(*row[:-1], has_parts=bool(row[-1]))


def _record_failure(job_id: int, exc: BaseException, *, last: bool) -> None:
    job = db.session.get(Job, job_id, populate_existing=True)
    detail = "".join(traceback.format_exception_only(exc)).strip()
    log.warning("job %s (%s) failed on attempt %s of %s: %s", job_id, job.name,
                job.attempts, job.max_attempts, detail)
    name = job.name  # read before the commit expires it
    _finish(job_id, status="failed" if last else "queued", error=detail[:2000])
    metrics.job_finished(name, "failed" if last else "retried")


def _finish(job_id: int, *, status: str, error: str | None) -> None:
    values: dict[str, Any] = {"status": status, "error": error}
    if status in ("done", "failed"):
        values["finished_at"] = utcnow()
    # Core on the session's connection: the ORM's bulk-update path cost twice the CPU.
    db.session.connection().execute(_JOB.update().where(_JOB.c.id == job_id).values(values))
    db.session.commit()


def _current_ids() -> tuple[int | None, int | None]:
    """(job id, parent job id) of the running task; Nones outside a job."""
    current = g.get(_CURRENT) if has_app_context() else None
    return current if current is not None else (None, None)


def current_job() -> Job | None:
    """The job the running task works for (None outside a job)."""
    job_id, _parent = _current_ids()
    return db.session.get(Job, job_id) if job_id is not None else None


def latest_job(name: str, **arguments: Any) -> Job | None:
    """The newest of the last 50 jobs ``name`` whose arguments include ``arguments``."""
    recent = db.session.scalars(select(Job).where(Job.name == name)
                                .order_by(Job.id.desc()).limit(50))
    return next((job for job in recent
                 if all(job.arguments.get(k) == v for k, v in arguments.items())), None)


def report_progress(done: int, total: int, *, result: dict[str, Any] | None = None) -> None:
    """From inside a task: record how far its job has come (committed at once)."""
    job_id, _parent = _current_ids()
    if job_id is None:
        return
    values: dict[str, Any] = {"done_count": done, "total_count": total}
    if result is not None:
        values["result"] = result
    db.session.execute(update(Job).where(Job.id == job_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def count_for_parent(done: int) -> None:
    """From inside a part: add ``done`` to its parent's progress, in the part's own
    transaction (so work committed once is counted once, whatever reruns)."""
    _job, parent_id = _current_ids()
    if parent_id is None or not done:
        return
    db.session.execute(update(Job).where(Job.id == parent_id)
                       .values(done_count=Job.done_count + done)
                       .execution_options(synchronize_session=False))


# --- for staff ----------------------------------------------------------------

def _require_staff(actor) -> None:
    if actor is None or not getattr(actor, "is_admin", False):
        raise Forbidden("Only staff can see background jobs.")


def list_jobs(actor, *, status: str | None = None, page: int = 1,
              per_page: int = 50) -> tuple[list[Job], int]:
    """The newest jobs first, optionally only those with ``status``; and how many there are."""
    _require_staff(actor)
    if status is not None and status not in STATUSES:
        raise DomainError(f"status is one of {', '.join(STATUSES)}.",
                          errors={"status": [f"Choose one of {', '.join(STATUSES)}."]})
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    jobs = db.session.scalars(query.order_by(Job.enqueued_at.desc(), Job.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(jobs), total


def get_job(actor, job_id: int) -> Job:
    _require_staff(actor)
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("No such job.")
    return job


#: A job queued this long ago and never started was lost (a restore, a process gone
#: without a broker): staff may send it again.
STUCK_AFTER = timedelta(minutes=15)


def can_retry(job: Job, now: datetime | None = None) -> bool:
    """A failed job, or one queued long ago that nothing took up."""
    stuck = (job.status == "queued" and job.started_at is None
             and job.enqueued_at < (now or utcnow()) - STUCK_AFTER)
    return job.status == "failed" or stuck


def retry(actor, job_id: int) -> Job:
    """Queue a failed (or lost) job again, with its attempts counted afresh."""
    job = get_job(actor, job_id)
    if not can_retry(job):
        raise Conflict("Only a failed job, or one queued over 15 minutes ago that never "
                       f"started, can be sent again; this one is {job.status}.")
    job.status, job.attempts, job.error, job.finished_at = "queued", 0, None, None
    job.enqueued_at = utcnow()
    db.session.flush()
    queue.send_after_commit(job.id, is_heavy(job.name))
    return job


def job_row(job: Job) -> dict[str, Any]:
    """A job as the API and the staff page show it."""
    return {
        "id": job.id, "name": job.name, "status": job.status, "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "enqueued_at": job.enqueued_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "error": job.error, "done": job.done_count, "total": job.total_count,
        "result": job.result, "parent_id": job.parent_id, "can_retry": can_retry(job),
    }


def in_flight_counts() -> dict[str, int]:
    """How many jobs have each status (for metrics and the staff page)."""
    counts = dict(db.session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    return {status: counts.get(status, 0) for status in STATUSES}


def prune_done(days: int, *, now: datetime | None = None) -> int:
    """Delete jobs done more than ``days`` ago, parts with their whole; commit.

    Failed and unfinished jobs stay: staff still have something to do about them.
    """
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = select(Job.id).where(Job.status == "done", Job.finished_at < cutoff,
                               Job.parent_id.is_(None))
    wholes = db.session.scalars(old).all()
    deleted = 0
    for start in range(0, len(wholes), 500):
        chunk = wholes[start:start + 500]
        deleted += db.session.execute(delete(Job).where(Job.parent_id.in_(chunk))).rowcount
        deleted += db.session.execute(delete(Job).where(Job.id.in_(chunk))).rowcount
        db.session.commit()
    return deleted


def app_has_broker() -> bool:
    return bool(current_app.config.get("BROKER_URL"))
