"""Delivery: Dramatiq on Redis or RabbitMQ when ``BROKER_URL`` is set, else this process.

Each app gets its own :class:`Queue` (``app.extensions["lms.jobs"]``): a broker
and its two actors, ``lms.run_job`` on the queue ``lms`` and ``lms.run_heavy_job`` on
``lms-heavy`` (heavy tasks: a worker takes one of those at a time, see
``registry.task``), whose messages carry only a job id; the job row holds the rest.
Nothing here is a module global that a second app re-points.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from lms.extensions import db
from lms.jobs.registry import TransientError

log = logging.getLogger("lms.jobs")

EXTENSION = "lms.jobs"
QUEUE_NAME = "lms"
ACTOR_NAME = "lms.run_job"
HEAVY_QUEUE_NAME = "lms-heavy"
HEAVY_ACTOR_NAME = "lms.run_heavy_job"
#: Session ``info`` key listing job ids to send once the transaction commits.
_PENDING = "lms.jobs.pending"
#: ``g`` attribute listing the jobs to hand over once the request is over.
_DEFERRED = "lms_jobs_deferred"


class Queue:
    """How one app's jobs reach a worker."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.eager = bool(app.config.get("JOBS_EAGER"))
        url = app.config.get("BROKER_URL")
        self.broker = make_broker(url, app.config) if url else None
        self.actor = self.heavy_actor = None
        if self.broker is not None:
            self.actor = self._declare_actor(ACTOR_NAME, QUEUE_NAME)
            self.heavy_actor = self._declare_actor(HEAVY_ACTOR_NAME, HEAVY_QUEUE_NAME)
        self._executor: ThreadPoolExecutor | None = None
        self._sender: ThreadPoolExecutor | None = None
        self._sender_pid = 0
        self._unsent: deque[tuple[int, bool, str | None]] = deque()
        self._local_running = 0
        self._local_idle = threading.Condition()

    def _declare_actor(self, name: str, queue_name: str) -> dramatiq.Actor:
        config = self.app.config
        return dramatiq.Actor(
            self.perform, broker=self.broker, actor_name=name, queue_name=queue_name,
            priority=0, options={
                "retry_when": _retry_when,
                "min_backoff": config["JOB_MIN_BACKOFF_MS"],
                "max_backoff": config["JOB_MAX_BACKOFF_MS"],
                "time_limit": config["JOB_TIME_LIMIT_MS"],
            })

    def send(self, jobs: list[tuple[int, bool]]) -> None:
        """Hand committed jobs (id, heavy) over: to the broker, or to this process.

        With a broker, the messages leave from this process's sender thread, so the
        request that queued them does not wait on the broker's round trip; without
        one, the jobs run on this process's job thread. Either starts when the request
        that queued them is over (:func:`start_deferred`), not beside it on the
        interpreter lock (``tests/perf/reports/jobs.md``). Each carries the id of the
        request that queued it, for its log lines.
        """
        from lms.logs import current_request_id

        request_id = current_request_id()
        if self.eager and self.actor is None:
            for job_id, _heavy in jobs:
                self.perform(job_id, request_id, reraise=False)
            return
        handed = [(job_id, heavy, request_id) for job_id, heavy in jobs]
        if has_request_context():
            g.setdefault(_DEFERRED, []).append((self, handed))
        else:
            self._hand_over(handed)

    def _hand_over(self, jobs: list[tuple[int, bool, str | None]]) -> None:
        if self.actor is not None:
            self._unsent.extend(jobs)
            self._sender_thread().submit(self._send_unsent)
            return
        for job_id, _heavy, request_id in jobs:
            with self._local_idle:
                self._local_running += 1
            self._local_executor().submit(self._perform_here, job_id, request_id)

    def _perform_here(self, job_id: int, request_id: str | None) -> None:
        try:
            self.perform(job_id, request_id, reraise=False)
        finally:
            with self._local_idle:
                self._local_running -= 1
                self._local_idle.notify_all()

    def _sender_thread(self) -> ThreadPoolExecutor:
        """One sender thread per process (made afresh in a forked child)."""
        if self._sender is None or self._sender_pid != os.getpid():
            self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lms-send")
            self._sender_pid = os.getpid()
        return self._sender

    def _send_unsent(self) -> None:
        """Send every message waiting in this process, oldest first."""
        while self._unsent:
            job_id, heavy, request_id = self._unsent.popleft()
            try:
                (self.heavy_actor if heavy else self.actor).send(job_id, request_id)
            except Exception:
                # The row is committed and stays queued: staff can send it again.
                log.exception("could not send job %s to the queue", job_id)

    def flush(self) -> None:
        """Wait until every message queued in this process has reached the broker."""
        if has_request_context():
            start_deferred()
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
        with self._local_idle:
            self._local_idle.wait_for(lambda: self._local_running == 0)

    def depth(self) -> int | None:
        """Messages waiting on the broker's queues (None without a broker)."""
        if isinstance(self.broker, RedisBroker):
            client, namespace = self.broker.client, self.broker.namespace
            return sum(int(client.llen(f"{namespace}:{name}"))
                       for name in (QUEUE_NAME, HEAVY_QUEUE_NAME))
        return None


def _retry_when(retries: int, exception: BaseException) -> bool:
    """Dramatiq retries only what the job service asked to retry (it counts attempts)."""
    return isinstance(exception, TransientError)


class PromptRedisConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, except that it takes the next message as soon as a
    worker thread finishes one.

    Holding as many messages as it may prefetch, Dramatiq's consumer sleeps with a
    backoff (5–10 ms, doubling up to the worker's timeout) before it looks again, so
    a thread that finished a job waited that long for the next: a mail job takes a
    few milliseconds, a part of a back-issue long enough for the sleep to reach its
    cap (tests/perf/reports/jobs.md). Here it waits for an ack or a nack instead,
    never longer than the timeout (its loop also moves retries that came due).
    An empty queue is still polled with the backoff.
    """

    def __init__(self, broker: dramatiq.Broker, queue_name: str, prefetch: int,
                 timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)
        self._freed = threading.Event()

    def ack(self, message) -> None:
        try:
            super().ack(message)
        finally:
            self._freed.set()

    def nack(self, message) -> None:
        try:
            super().nack(message)
        finally:
            self._freed.set()

    def __next__(self):
        if not self.message_cache and self.outstanding_message_count >= self.prefetch:
            self._freed.wait(self.timeout / 1000)
            self._freed.clear()
            if self.outstanding_message_count >= self.prefetch:
                return None
        return super().__next__()


def _prefetch_for(queue_name: str, prefetch: int) -> int:
    """A worker holds one heavy message at a time; of the others, ``prefetch``."""
    return 1 if queue_name == HEAVY_QUEUE_NAME else prefetch


class PromptRedisBroker(RedisBroker):
    """Dramatiq's Redis broker with :class:`PromptRedisConsumer`, one heavy job at a time."""

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return PromptRedisConsumer

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000):
        return super().consume(queue_name, _prefetch_for(queue_name, prefetch), timeout)


class OneHeavyRabbitmqBroker(RabbitmqBroker):
    """Dramatiq's RabbitMQ broker, one heavy job at a time."""

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000):
        return super().consume(queue_name, _prefetch_for(queue_name, prefetch), timeout)


def make_broker(url: str, config: dict[str, Any]) -> dramatiq.Broker:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return PromptRedisBroker(url=url, namespace=config["JOBS_NAMESPACE"],
                                 heartbeat_timeout=config["JOB_HEARTBEAT_TIMEOUT_MS"],
                                 maintenance_chance=config["JOB_MAINTENANCE_CHANCE"])
    if url.startswith(("amqp://", "amqps://")):
        return OneHeavyRabbitmqBroker(url=url)
    raise RuntimeError(f"LMS_BROKER_URL must be a redis:// or amqp:// URL, not {url!r}")


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Queue(app)
    app.teardown_request(lambda _error: start_deferred())
    if not event.contains(Session, "after_commit", _send_pending):
        event.listen(Session, "after_commit", _send_pending)
        event.listen(Session, "after_transaction_end", _drop_pending)


def start_deferred() -> None:
    """Hand over the jobs the current request queued, each to its app's queue (the
    request's teardown calls this)."""
    for queue, jobs in g.pop(_DEFERRED, ()):
        queue._hand_over(jobs)


def get_queue(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions[EXTENSION]


def send_after_commit(job_id: int, heavy: bool = False) -> None:
    """Send ``job_id`` (a job of a heavy task, or not) when the current transaction
    commits (never if it rolls back)."""
    session = db.session()
    session.info.setdefault(_PENDING, {"app": current_app._get_current_object(), "jobs": []})
    session.info[_PENDING]["jobs"].append((job_id, heavy))


def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release is no commit
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        get_queue(pending["app"]).send(pending["jobs"])
    except Exception:
        # The rows are committed: staff see them queued and can send them again.
        log.exception("could not hand jobs %s over", [job for job, _heavy in pending["jobs"]])


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
