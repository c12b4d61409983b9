"""``GET /metrics``: Prometheus text that Prometheus' own parser reads, who may scrape it,
and the counters growing where the things they count happen."""

from __future__ import annotations

import logging
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lms import jobs
from lms.errors import ValidationError
from lms.extensions import db
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

TOKEN = "metrics-token-for-tests"


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape, keyed by (name, sorted labels), parsed by prometheus_client."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


HEALTHZ = {"endpoint": "health.healthz", "method": "GET", "status": "200"}


def test_request_counter_and_latency_grow_with_requests(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    after = scrape(client)
    assert value(after, "lms_http_requests_total", **HEALTHZ) == \
        value(before, "lms_http_requests_total", **HEALTHZ) + 3
    count = "lms_http_request_duration_seconds_count"
    assert value(after, count, **HEALTHZ) == value(before, count, **HEALTHZ) + 3
    assert value(after, "lms_http_request_duration_seconds_bucket", **HEALTHZ, le="+Inf") == \
        value(after, count, **HEALTHZ)


def test_labels_are_endpoint_names_never_raw_paths(client, app_ctx):
    """Any number of distinct URLs makes a bounded number of series."""
    course = make_course()
    for path in ("/no/such/page/1", "/no/such/page/2", f"/courses/{course.slug}",
                 "/api/v1/courses/999999"):
        client.get(path)
    samples = scrape(client)
    endpoints = {dict(labels).get("endpoint") for (_name, labels) in samples}
    assert not any("/" in endpoint for endpoint in endpoints if endpoint)
    assert value(samples, "lms_http_requests_total", endpoint="unmatched", method="GET",
                 status="404") >= 2
    assert value(samples, "lms_http_requests_total", endpoint="catalog.course", method="GET",
                 status="200") >= 1
    assert value(samples, "lms_http_requests_total", endpoint="catalog_api.get_course",
                 method="GET", status="404") >= 1


@pytest.fixture
def token_app(make_app):
    """An app that also lets holders of ``LMS_METRICS_TOKEN`` scrape, behind one proxy."""
    app = make_app("test", METRICS_TOKEN=TOKEN, PROXY_COUNT=1)
    with app.app_context():
        db.create_all()
    return app


LOOPBACK, REMOTE = {"REMOTE_ADDR": "127.0.0.1"}, {"REMOTE_ADDR": "198.51.100.7"}
FORWARDED = {"X-Forwarded-For": "203.0.113.9"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(("environ", "headers", "status"), [
    (LOOPBACK, {}, 200),
    ({"REMOTE_ADDR": "::1"}, {}, 200),
    (REMOTE, {}, 404),
    (LOOPBACK, FORWARDED, 404),  # a proxy on this machine forwarded a remote client
    (LOOPBACK, {"X-Forwarded-For": "127.0.0.1"}, 404),  # forwarded, whatever it claims
    (REMOTE, BEARER, 200),
    (LOOPBACK, {**FORWARDED, **BEARER}, 200),
    (REMOTE, {"Authorization": f"Bearer {TOKEN}x"}, 404),
    (REMOTE, {"Authorization": "Bearer "}, 404),
    (REMOTE, {"Authorization": TOKEN}, 404),
], ids=["loopback", "loopback-v6", "remote", "proxied-remote", "proxied-claiming-loopback",
        "remote-token", "proxied-token", "wrong-token", "empty-token", "token-not-bearer"])
def test_who_may_scrape(token_app, environ, headers, status, caplog):
    with caplog.at_level(logging.WARNING, logger="lms.metrics"):
        response = token_app.test_client().get("/metrics", headers=headers,
                                               environ_base=environ)
    assert response.status_code == status
    if status == 404:
        assert "lms_http_requests" not in response.get_data(as_text=True)
        assert "metrics: refused a scrape" in caplog.text  # failed authorization is logged


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer "},
                                     {"Authorization": "Bearer None"}])
def test_without_a_token_setting_only_loopback_may_scrape(client, headers):
    assert client.get("/metrics", headers=headers,
                      environ_base=REMOTE).status_code == 404
    assert client.get("/metrics", headers=headers, environ_base=LOOPBACK).status_code == 200


# --- jobs, progress, certificates ------------------------------------------------

OK_TASK, BAD_TASK = "tests.metrics.ok", "tests.metrics.refused"


@jobs.task(OK_TASK)
def _ok_task() -> None:
    """Does nothing, successfully."""


@jobs.task(BAD_TASK)
def _refused_task() -> None:
    raise ValidationError("bad input: not worth a retry")


def test_job_outcomes_and_job_counts(client, app_ctx):
    before = scrape(client)
    jobs.enqueue(OK_TASK)
    jobs.enqueue(OK_TASK)
    jobs.enqueue(BAD_TASK)
    db.session.commit()  # eager in tests: each runs once its transaction commits
    after = scrape(client)
    finished = "lms_jobs_finished_total"
    assert value(after, finished, task=OK_TASK, outcome="done") == \
        value(before, finished, task=OK_TASK, outcome="done") + 2
    assert value(after, finished, task=BAD_TASK, outcome="failed") == \
        value(before, finished, task=BAD_TASK, outcome="failed") + 1
    assert value(after, "lms_jobs", status="done") == 2
    assert value(after, "lms_jobs", status="failed") == 1
    assert value(after, "lms_jobs", status="queued") == 0


@pytest.fixture
def broker_app(make_app, database_url):
    """An app sending jobs to the real Redis under a namespace of its own (no worker runs)."""
    import redis

    namespace = f"lms-metrics-test-{uuid.uuid4().hex[:8]}"
    app = make_app("test", BROKER_URL="redis://127.0.0.1:6379/0", JOBS_NAMESPACE=namespace,
                   SQLALCHEMY_DATABASE_URI=database_url)
    yield app
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    for key in connection.scan_iter(f"{namespace}*"):
        connection.delete(key)
    connection.close()


def test_queue_depth_is_read_from_the_broker_when_scraped(app, broker_app):
    with broker_app.app_context():
        for _ in range(3):
            jobs.enqueue(OK_TASK)
        db.session.commit()
        samples = scrape(broker_app.test_client())
    assert value(samples, "lms_job_queue_depth") == 3
    assert value(samples, "lms_jobs", status="queued") == 3


REPORTS = {"reading": {"completed": True}, "file": {"completed": True},
           "video": {"position": 1, "played": [[0, 1]]}}


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_progress_reports_are_counted_by_kind(client, app_ctx, kind):
    """On PostgreSQL a video report takes the fast path; it counts the same."""
    member = make_user()
    course = make_course()
    extra = {"media": make_media()} if kind == "video" else {}
    item = make_item(make_module(course), kind=kind, **extra)
    enrol(member, course)
    headers = api_headers(member)
    assert client.get(f"/api/v1/items/{item.id}", headers=headers).status_code == 200
    before = value(scrape(client), "lms_progress_reports_total", kind=kind)
    response = client.post(f"/api/v1/items/{item.id}/progress", json=REPORTS[kind],
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    assert value(scrape(client), "lms_progress_reports_total", kind=kind) == before + 1


def test_certificates_issued_are_counted(client, app_ctx):
    member = make_user()
    course = make_course(modules=1, items_per_module=2, certificate_enabled=True)
    enrol(member, course)
    headers = api_headers(member)
    before = value(scrape(client), "lms_certificates_issued_total")
    for item in course.modules[0].items:
        response = client.post(f"/api/v1/items/{item.id}/progress", json={"completed": True},
                               headers=headers)
        assert response.status_code == 200, response.get_json()
        assert value(scrape(client), "lms_certificates_issued_total") == \
            before + response.get_json()["course_completed"]
