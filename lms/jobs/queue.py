"""Delivery: Dramatiq on Redis or RabbitMQ when ``BROKER_URL`` is set, else this process.

Each app gets its own :class:`Queue` (``app.extensions["lms.jobs"]``): a broker
and its one actor, ``lms.run_job``, whose message carries only a job id; the job
row holds the rest. Nothing here is a module global that a second app re-points.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from lms.extensions import db
from lms.jobs.registry import TransientError

log = logging.getLogger("lms.jobs")

EXTENSION = "lms.jobs"
QUEUE_NAME = "lms"
ACTOR_NAME = "lms.run_job"
#: Session ``info`` key listing job ids to send once the transaction commits.
_PENDING = "lms.jobs.pending"


class Queue:
    """How one app's jobs reach a worker."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.eager = bool(app.config.get("JOBS_EAGER"))
        url = app.config.get("BROKER_URL")
        self.broker = make_broker(url, app.config) if url else None
        self.actor = self._declare_actor() if self.broker is not None else None
        self._executor: ThreadPoolExecutor | None = None
        self._sender: ThreadPoolExecutor | None = None
        self._sender_pid = 0
        self._unsent: deque[tuple[int, str | None]] = deque()

    def _declare_actor(self) -> dramatiq.Actor:
        config = self.app.config
        return dramatiq.Actor(
            self.perform, broker=self.broker, actor_name=ACTOR_NAME, queue_name=QUEUE_NAME,
            priority=0, options={
                "retry_when": _retry_when,
                "min_backoff": config["JOB_MIN_BACKOFF_MS"],
                "max_backoff": config["JOB_MAX_BACKOFF_MS"],
                "time_limit": config["JOB_TIME_LIMIT_MS"],
            })

    def send(self, job_ids: list[int]) -> None:
        """Hand committed jobs over: to the broker, or to this process.

        With a broker, the messages leave from this process's sender thread, so the
        request that queued them does not wait on the broker's round trip
        (``tests/perf/reports/jobs.md``). Each carries the id of the request that queued
        it, for its log lines.
        """
        from lms.logs import current_request_id

        request_id = current_request_id()
        if self.actor is not None:
            self._unsent.extend((job_id, request_id) for job_id in job_ids)
            self._sender_thread().submit(self._send_unsent)
            return
        for job_id in job_ids:
            if self.eager:
                self.perform(job_id, request_id, reraise=False)
            else:
                self._local_executor().submit(self.perform, job_id, request_id, reraise=False)

    def _sender_thread(self) -> ThreadPoolExecutor:
        """One sender thread per process (made afresh in a forked child)."""
        if self._sender is None or self._sender_pid != os.getpid():
            self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lms-send")
            self._sender_pid = os.getpid()
        return self._sender

    def _send_unsent(self) -> None:
        """Send every message waiting in this process, oldest first."""
        while self._unsent:
            job_id, request_id = self._unsent.popleft()
            try:
                self.actor.send(job_id, request_id)
            except Exception:
                # The row is committed and stays queued: staff can send it again.
                log.exception("could not send job %s to the queue", job_id)

    def flush(self) -> None:
        """Wait until every message queued in this process has reached the broker."""
        if self._sender is not None and self._sender_pid == os.getpid():
            self._sender.submit(lambda: None).result()

    def perform(self, job_id: int, request_id: str | None = None, *,
                reraise: bool = True) -> None:
        """Run one job in a fresh app context (its own database session)."""
        from lms.jobs import service
        from lms.logs import job_context

        with self.app.app_context(), job_context(job_id, request_id):
            try:
                service.run(job_id, may_retry=self.actor is not None)
            except TransientError:
                if reraise:
                    raise
            except Exception:
                log.exception("job %s could not be run", job_id)
                if reraise:
                    raise
            finally:
                db.session.remove()

    def _local_executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lms-jobs")
        return self._executor

    def wait_for_local_jobs(self) -> None:
        """Let the in-process jobs queued so far finish, and those they queue (tests);
        with a broker, let the messages queued so far reach it."""
        self.flush()
        while self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True)

    def depth(self) -> int | None:
        """Messages waiting on the broker's queue (None without a broker)."""
        if isinstance(self.broker, RedisBroker):
            client = self.broker.client
            return int(client.llen(f"{self.broker.namespace}:{QUEUE_NAME}"))
        return None


def _retry_when(retries: int, exception: BaseException) -> bool:
    """Dramatiq retries only what the job service asked to retry (it counts attempts)."""
    return isinstance(exception, TransientError)


def make_broker(url: str, config: dict[str, Any]) -> dramatiq.Broker:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(url=url, namespace=config["JOBS_NAMESPACE"],
                           heartbeat_timeout=config["JOB_HEARTBEAT_TIMEOUT_MS"],
                           maintenance_chance=config["JOB_MAINTENANCE_CHANCE"])
    if url.startswith(("amqp://", "amqps://")):
        return RabbitmqBroker(url=url)
    raise RuntimeError(f"LMS_BROKER_URL must be a redis:// or amqp:// URL, not {url!r}")


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Queue(app)
    if not event.contains(Session, "after_commit", _send_pending):
        event.listen(Session, "after_commit", _send_pending)
        event.listen(Session, "after_transaction_end", _drop_pending)


def get_queue(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions[EXTENSION]


def send_after_commit(job_id: int) -> None:
    """Send ``job_id`` when the current transaction commits (never if it rolls back)."""
    session = db.session()
    session.info.setdefault(_PENDING, {"app": current_app._get_current_object(), "ids": []})
    session.info[_PENDING]["ids"].append(job_id)


def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release is no commit
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        get_queue(pending["app"]).send(pending["ids"])
    except Exception:
        # The rows are committed: staff see them queued and can send them again.
        log.exception("could not hand jobs %s over", pending["ids"])


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
