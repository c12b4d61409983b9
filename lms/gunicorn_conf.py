"""gunicorn settings: ``gunicorn -c python:lms.gunicorn_conf wsgi:app``.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its metrics to that
folder and ``/metrics`` adds them up (lms/metrics.py). The folder is emptied
when the server starts, so counters begin at zero with the server (Prometheus
expects resets), and a dead worker's live gauges are dropped when it exits.
Give each gunicorn server a folder of its own.

A worker that exits hands the job messages its last requests queued to the
broker first (``lms.jobs.queue``: they leave from a sender thread).
"""

import os
from pathlib import Path


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker) -> None:
    from lms.jobs.queue import get_queue

    app = getattr(worker, "wsgi", None)
    if app is not None and "lms.jobs" in getattr(app, "extensions", {}):
        get_queue(app).flush()
