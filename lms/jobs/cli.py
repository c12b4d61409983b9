"""``flask lms worker``: run background jobs from the broker until stopped;
``flask lms prune-jobs``: forget jobs done long ago."""

from __future__ import annotations

import signal
import threading

import click
import dramatiq
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from lms.jobs.queue import get_queue
from lms.jobs.registry import WARM_UPS
from lms.jobs.service import prune_done


def register(group: AppGroup) -> None:
    @group.command("worker")
    @click.option("--threads", default=4, show_default=True, type=click.IntRange(min=1),
                  help="Jobs run at once.")
    @click.option("--prefetch", type=click.IntRange(min=1),
                  help="Light jobs' messages taken ahead [default: one a thread]; of "
                       "heavy ones (back-issues) a worker holds one at a time.")
    @with_appcontext
    def worker_command(threads: int, prefetch: int | None) -> None:
        """Run background jobs (needs LMS_BROKER_URL) until SIGTERM or Ctrl-C."""
        queue = get_queue()
        if queue.broker is None:
            raise click.ClickException(
                "LMS_BROKER_URL is not set: without a broker jobs run inside the app.")
        queue.broker.emit_after("process_boot")
        for warm in WARM_UPS:
            warm()
        # A consumer finding its queue empty polls again after a backoff that grows up
        # to worker_timeout: with Dramatiq's 1 s a new job could wait that long.
        worker = dramatiq.Worker(queue.broker, worker_threads=threads,
                                 worker_timeout=current_app.config["JOB_POLL_MS"])
        worker.queue_prefetch = prefetch or threads
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        worker.start()
        click.echo(f"worker: {threads} threads on {queue.broker.__class__.__name__}", err=True)
        stop.wait()
        click.echo("worker: stopping after the jobs in hand", err=True)
        worker.stop()
        queue.broker.emit_before("process_stop")
        queue.broker.close()

    @group.command("prune-jobs")
    @click.option("--days", default=30, show_default=True, type=click.IntRange(min=1),
                  help="Keep jobs that finished within this many days.")
    @with_appcontext
    def prune_jobs_command(days: int) -> None:
        """Delete the records of jobs done more than DAYS ago (failures stay for staff)."""
        click.echo(f"deleted {prune_done(days)} job records")
