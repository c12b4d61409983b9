"""``/metrics`` under gunicorn with two worker processes (``PROMETHEUS_MULTIPROC_DIR``):
whichever worker answers the scrape counts the requests both served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from lms.extensions import db
from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sqlite_file(make_app, tmp_path) -> str:
    """A SQLite file database with the schema, as ``flask db upgrade`` would leave it."""
    url = f"sqlite:///{tmp_path / 'lms.db'}"
    with make_app("test", SQLALCHEMY_DATABASE_URI=url).app_context():
        db.create_all()
    return url


@pytest.fixture
def two_workers(sqlite_file, tmp_path):
    """``gunicorn -c python:lms.gunicorn_conf -w 2 wsgi:app`` on a free loopback port;
    yields (url, its stderr file)."""
    port, log_path = free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
           "LMS_DATABASE_URL": sqlite_file, "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
           "LMS_LOG_FORMAT": "json", "LMS_ENV": "default"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:lms.gunicorn_conf", "-w", "2",
             "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: log_path.read_text().count("Booting worker") == 2
                   and requests.get(url + "/healthz", timeout=2).ok, log_path)
        yield url, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(ready, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not come up:\n{log_path.read_text()}")


def served_by(log_path: Path) -> dict[str, int]:
    """request id -> pid of the worker that logged its access line."""
    found = {}
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record["logger"] == "lms.access" and record["path"] == "/healthz":
                found[record["request_id"]] = record["pid"]
    return found


def healthz_count(url: str) -> float:
    text = requests.get(url + "/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "lms_http_requests_total" and sample.labels == {
                    "endpoint": "health.healthz", "method": "GET", "status": "200"}:
                return sample.value
    return 0.0


def test_scrape_counts_requests_served_by_both_workers(two_workers):
    url, log_path = two_workers
    before = healthz_count(url)
    sent: list[str] = []

    def get(_n: int) -> str:
        response = requests.get(url + "/healthz", headers={"Connection": "close"}, timeout=10)
        assert response.status_code == 200
        return response.headers["X-Request-ID"]

    # On a busy machine one worker can take every connection for a while: keep sending, with
    # pauses that let the other reach accept(), until both have served (or 60 s pass).
    deadline = time.monotonic() + 60
    with ThreadPoolExecutor(max_workers=8) as pool:
        while time.monotonic() < deadline:
            sent += pool.map(get, range(16))
            if len(set(served_by(log_path).values())) == 2:
                break
            time.sleep(0.2)
    served = served_by(log_path)
    assert set(sent) <= served.keys()
    assert len({served[request_id] for request_id in sent}) == 2, "one worker served them all"
    # Either worker answers the scrape; both count them. The earlier scrape counts itself only
    # under /metrics, so the health counter moved by exactly the requests sent.
    assert healthz_count(url) - before == len(sent)
    assert healthz_count(url) - before == len(sent)
