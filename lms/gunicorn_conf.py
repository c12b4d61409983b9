"""gunicorn settings: ``gunicorn -c python:lms.gunicorn_conf wsgi:app``.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its metrics to that
folder and ``/metrics`` adds them up (lms/metrics.py). The folder is emptied
when the server starts, so counters begin at zero with the server (Prometheus
expects resets), and a dead worker's live gauges are dropped when it exits.
Give each gunicorn server a folder of its own.
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
