"""Prometheus metrics at ``GET /metrics``: requests, latency, jobs, progress, certificates.

Counters live in this process (``prometheus_client``'s default registry). Under
gunicorn, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the server
starts: every worker then writes its values there and a scrape of any one worker
adds them all up (``MultiProcessCollector``). Job counts and the broker's queue
depth are read when scraped, not kept.

Labels are bounded: requests are labelled with the Flask endpoint name (never
the raw path), a known method and the status code.

Who may scrape: a client on the loopback interface whose request no proxy
forwarded, or anyone sending ``Authorization: Bearer $LMS_METRICS_TOKEN``.
Anyone else gets 404, as for any page they need not know exists.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from lms.errors import NotFound
from lms.extensions import db

bp = Blueprint("metrics", __name__)
log = logging.getLogger("lms.metrics")
disable_created_metrics()  # no ``*_created`` series: they double the output and help no graph

REQUESTS = Counter("lms_http_requests", "HTTP requests answered, by Flask endpoint and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("lms_http_request_duration_seconds",
                    "Time from the request's first hook to its response, in seconds.",
                    ["endpoint", "method", "status"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                             2.5, 5.0, 10.0))
JOBS_FINISHED = Counter("lms_jobs_finished", "Job runs by task and outcome "
                        "(done; retried: failed, will run again; failed: no attempts left).",
                        ["task", "outcome"])
PROGRESS_REPORTS = Counter("lms_progress_reports",
                           "Progress reports recorded, by item kind.", ["kind"])
CERTIFICATES_ISSUED = Counter("lms_certificates_issued",
                              "Certificates issued (on completion or back-issued).")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Where the request was forwarded by a proxy: not a local scrape, whatever the socket says.
FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")

#: (endpoint, method, status) -> the counter and histogram children for it (labels() is slower).
_children: dict[tuple[str, str, int], tuple] = {}


def init_app(app: Flask) -> None:
    """Time and count every request (the ``/metrics`` blueprint is registered with health)."""
    app.before_request(start_timer)
    app.after_request(count_request)


def start_timer() -> None:
    g.lms_metrics_started = time.perf_counter()


def count_request(response: Response) -> Response:
    started = g.get("lms_metrics_started")
    if started is None:
        return response
    key = (request.endpoint or "unmatched",
           request.method if request.method in METHODS else "other", response.status_code)
    children = _children.get(key)
    if children is None:
        labels = (key[0], key[1], str(key[2]))
        children = _children[key] = (REQUESTS.labels(*labels), LATENCY.labels(*labels))
    children[0].inc()
    children[1].observe(time.perf_counter() - started)
    return response


def job_finished(task: str, outcome: str) -> None:
    """A job run ended: ``done``, ``retried`` or ``failed``."""
    JOBS_FINISHED.labels(task, outcome).inc()


def progress_reported(kind: str) -> None:
    PROGRESS_REPORTS.labels(kind).inc()


def certificates_issued(count: int) -> None:
    if count:
        CERTIFICATES_ISSUED.inc(count)


# --- the scrape -----------------------------------------------------------------

@bp.get("/metrics")
def metrics():
    if not may_scrape():
        log.warning("metrics: refused a scrape from %s", request.remote_addr)
        raise NotFound("No such page.")
    body = generate_latest(counters_registry()) + generate_latest(JOBS_REGISTRY)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST,
                                   "Cache-Control": "no-store"})


def may_scrape() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").encode()
        if hmac.compare_digest(given, f"Bearer {token}".encode()):
            return True
    return is_local_request()


def is_local_request() -> bool:
    if any(name in request.headers for name in FORWARDED):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def counters_registry() -> CollectorRegistry:
    """This process's counters, or every worker's under ``PROMETHEUS_MULTIPROC_DIR``."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class JobCollector:
    """Jobs by status from the job table, and messages waiting on the broker, when scraped."""

    def collect(self):
        from lms.jobs.queue import get_queue
        from lms.jobs.service import in_flight_counts

        try:
            counts = in_flight_counts()
            depth = get_queue().depth()
        except Exception:  # a scrape still answers when the database or broker does not
            log.warning("metrics: job counts unavailable", exc_info=True)
            db.session.rollback()
            return
        family = GaugeMetricFamily("lms_jobs", "Jobs in the job table by status.",
                                   labels=["status"])
        for status, count in counts.items():
            family.add_metric([status], count)
        yield family
        if depth is not None:
            yield GaugeMetricFamily("lms_job_queue_depth",
                                    "Messages waiting on the broker's queue.", value=depth)


JOBS_REGISTRY = CollectorRegistry(auto_describe=False)
JOBS_REGISTRY.register(JobCollector())
