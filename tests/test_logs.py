"""Structured logs: each line one JSON object carrying the request id that the response's
``X-Request-ID`` header and the 500 page show, and inside a job the job's id.

The app under test writes to stderr exactly as in production; ``capsys`` reads it
(``make_app`` puts logging back as pytest had it afterwards).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lms import jobs
from lms.extensions import csrf, db
from tests.factories import api_headers, csrf_from, make_user

ROOT = Path(__file__).resolve().parent.parent
TASK = "tests.logs.say"
task_log = logging.getLogger("lms.tests.logs")


@jobs.task(TASK)
def _say(word: str) -> None:
    task_log.info("the job says %s", word)


@pytest.fixture
def log_app(app, make_app, database_url, mail_server):
    """An app logging JSON lines, on the session's database (``app`` empties it after)."""
    return make_app("test", LOG_FORMAT="json", SQLALCHEMY_DATABASE_URI=database_url,
                    MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_server.port)


@pytest.fixture
def crashing_app(make_app):
    """A non-testing app (as in production) logging JSON, with a route that fails."""
    app = make_app("default", LOG_FORMAT="json", PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    return app


def request_reset(client, email: str):
    token = csrf_from(client.get("/reset").get_data(as_text=True))
    return client.post("/reset", data={"email": email, "csrf_token": token})


def lines(capsys) -> list[dict]:
    """Every line written to stderr so far, each parsed as JSON (a line that is not fails)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_every_line_of_a_request_carries_its_request_id(log_app, capsys):
    """The reset request runs its mail jobs in place: their lines carry its id too."""
    with log_app.app_context():
        make_user(email="ada@example.org")
    client = log_app.test_client()
    capsys.readouterr()
    response = request_reset(client, "ada@example.org")
    assert response.status_code == 302
    request_id = response.headers["X-Request-ID"]
    found = lines(capsys)
    post_lines = found[next(i for i, line in enumerate(found)
                            if line["request_id"] == request_id):]
    assert [line for line in post_lines if line.get("request_id") != request_id] == []
    ran = [line for line in post_lines if line["message"].startswith("job ")]
    assert ran and {line["logger"] for line in ran} == {"lms.jobs"}
    (access,) = [line for line in post_lines if line["logger"] == "lms.access"]
    assert access["method"] == "POST" and access["path"] == "/reset"
    assert access["status"] == 302 and access["duration_ms"] >= 0
    assert {"time", "level", "pid"} <= access.keys()


def test_a_request_ids_differ_and_the_access_line_names_the_member(log_app, capsys):
    with log_app.app_context():
        member = make_user()
        headers, member_id = api_headers(member), member.id
    client = log_app.test_client()
    capsys.readouterr()
    signed_in = client.get("/api/v1/me", headers=headers)
    anonymous = client.get("/healthz")
    access = {line["request_id"]: line for line in lines(capsys) if line["logger"] == "lms.access"}
    assert signed_in.headers["X-Request-ID"] != anonymous.headers["X-Request-ID"]
    assert access[signed_in.headers["X-Request-ID"]]["user_id"] == member_id
    assert "user_id" not in access[anonymous.headers["X-Request-ID"]]
    assert access[anonymous.headers["X-Request-ID"]]["path"] == "/healthz"


def test_access_lines_keep_secrets_out(log_app, capsys):
    """A reset link's token is a password for an hour: it stays out of the log, as does the
    query string."""
    token = "Zm9vYmFyLXNlY3JldC1yZXNldC10b2tlbg.abc"
    log_app.test_client().get(f"/reset/{token}?next=/secret-query")
    (access,) = [line for line in lines(capsys) if line["logger"] == "lms.access"]
    assert access["path"] == "/reset/[secret]"
    assert token not in json.dumps(access) and "secret-query" not in json.dumps(access)


@pytest.mark.parametrize("given", ["lb-7f3a9c21", "0af7651916cd43dd8448eb211c80319c",
                                   "9f1c2d3e-4b5a-6789-abcd-ef0123456789", "a" * 100])
def test_a_sane_incoming_request_id_is_kept(log_app, capsys, given):
    response = log_app.test_client().get("/healthz", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given
    assert [line["request_id"] for line in lines(capsys)] == [given]


@pytest.mark.parametrize("given", ["a" * 101, "two words", "<script>alert(1)</script>",
                                   "-starts-with-dash", "ünïcode", "x;rm -rf", ""])
def test_an_odd_incoming_request_id_is_replaced(log_app, capsys, given):
    response = log_app.test_client().get("/healthz", headers={"X-Request-ID": given})
    made = response.headers["X-Request-ID"]
    assert made != given and len(made) == 16 and int(made, 16) >= 0
    assert [line["request_id"] for line in lines(capsys)] == [made]


def test_job_lines_carry_the_job_id_and_the_request_that_queued_it(log_app, capsys):
    @log_app.post("/tests/say")
    def say():
        job = jobs.enqueue(TASK, word="hello")
        db.session.commit()  # eager in tests: the job runs here, inside the request
        return {"job_id": job.id}

    csrf.exempt(say)
    response = log_app.test_client().post("/tests/say")
    job_id, request_id = response.get_json()["job_id"], response.headers["X-Request-ID"]
    (said,) = [line for line in lines(capsys) if line["message"] == "the job says hello"]
    assert said["job_id"] == job_id and said["request_id"] == request_id
    assert said["logger"] == "lms.tests.logs" and said["level"] == "INFO"


def test_job_lines_outside_a_request_carry_only_the_job_id(log_app, capsys):
    with log_app.app_context():
        job = jobs.enqueue(TASK, word="alone")
        db.session.commit()
        job_id = job.id
    (said,) = [line for line in lines(capsys) if line["message"] == "the job says alone"]
    assert said["job_id"] == job_id and "request_id" not in said


@pytest.mark.parametrize("incoming", [None, "lb-5d1c0e2f"])
def test_500_page_header_and_log_line_share_the_request_id(crashing_app, capsys, incoming):
    headers = {"X-Request-ID": incoming} if incoming else {}
    response = crashing_app.test_client().get("/boom", headers=headers)
    html = response.get_data(as_text=True)
    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500 and "hunter2" not in html
    assert request_id == (incoming or request_id)
    assert f"Reference: <code>{request_id}</code>" in html
    (error,) = [line for line in lines(capsys) if line["level"] == "ERROR"]
    assert error["request_id"] == request_id and request_id in error["message"]
    assert "hunter2" in error["exc_info"]  # the details go to the log


def test_text_format_names_the_request_too(make_app, capsys):
    response = make_app("default", LOG_FORMAT="text").test_client().get("/healthz")
    (line,) = capsys.readouterr().err.splitlines()
    assert f"INFO lms.access [{response.headers['X-Request-ID']}] GET /healthz 200" in line


def test_in_process_job_thread_lines_carry_the_queuing_request(make_app, app, database_url,
                                                              capsys):
    """Without a broker and not eager, the job runs on a thread after the response."""
    from lms.jobs.queue import get_queue

    threaded = make_app("test", LOG_FORMAT="json", JOBS_EAGER=False,
                        SQLALCHEMY_DATABASE_URI=database_url)

    @threaded.post("/tests/say")
    def say():
        job = jobs.enqueue(TASK, word="later")
        db.session.commit()
        return {"job_id": job.id}

    csrf.exempt(say)
    response = threaded.test_client().post("/tests/say")
    get_queue(threaded).wait_for_local_jobs()
    (said,) = [line for line in lines(capsys) if line["message"] == "the job says later"]
    assert said["job_id"] == response.get_json()["job_id"]
    assert said["request_id"] == response.headers["X-Request-ID"]


@pytest.fixture
def redis_namespace():
    """A key prefix of this test's own on the shared Redis, deleted afterwards."""
    import redis

    namespace = f"lms-logs-test-{uuid.uuid4().hex[:8]}"
    yield namespace
    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"{namespace}*"):
        connection.delete(key)
    connection.close()


REDIS_URL = "redis://127.0.0.1:6379/0"


def test_a_worker_process_logs_job_lines_with_the_queuing_request(
        make_app, app, database_url, redis_namespace, tmp_path):
    """A reset mail queued by a request on Redis, sent by ``flask lms worker`` (no SMTP
    server set: the worker writes the mail to its log)."""
    from lms.jobs.models import Job

    web = make_app("test", BROKER_URL=REDIS_URL, JOBS_NAMESPACE=redis_namespace,
                   SQLALCHEMY_DATABASE_URI=database_url)
    with web.app_context():
        make_user(email="ada@example.org")
    response = request_reset(web.test_client(), "ada@example.org")
    assert response.status_code == 302
    log_path = tmp_path / "worker.log"
    env = {**os.environ, "LMS_ENV": "default", "LMS_BROKER_URL": REDIS_URL,
           "LMS_JOBS_NAMESPACE": redis_namespace, "LMS_DATABASE_URL": database_url,
           "LMS_LOG_FORMAT": "json", "LMS_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("LMS_MAIL_SERVER", None)
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "lms", "worker", "--threads", "1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        mailed = wait_for_line(log_path, lambda line: line["logger"] == "lms.mail")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    with web.app_context():  # the reset job queued the mail job, in the worker
        job_id = db.session.scalar(db.select(Job.id).where(Job.name == "mail.send"))
    assert mailed["job_id"] == job_id
    assert mailed["request_id"] == response.headers["X-Request-ID"]
    assert mailed["message"].startswith("mail to ada@example.org")


def wait_for_line(path: Path, wanted, timeout: float = 30) -> dict:
    """The first JSON line of ``path`` that ``wanted`` accepts, once it is written."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for text in path.read_text().splitlines():
            if text.startswith("{") and wanted(line := json.loads(text)):
                return line
        time.sleep(0.2)
    raise AssertionError(f"no such line in the worker's output:\n{path.read_text()}")


def test_production_logs_json_by_default(make_app, capsys):
    app = make_app("production", SECRET_KEY="s" * 40, ALLOW_SQLITE=True)
    response = app.test_client().get("/healthz")
    (line,) = lines(capsys)
    assert line["request_id"] == response.headers["X-Request-ID"]


def test_an_unknown_log_format_stops_the_app_from_starting(make_app):
    with pytest.raises(RuntimeError, match="LMS_LOG_FORMAT"):
        make_app("test", LOG_FORMAT="xml")
