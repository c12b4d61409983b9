"""Jobs without a broker (in this process), their records, and the staff's view of them."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from lms import jobs
from lms.extensions import db, utcnow
from lms.jobs.models import Job
from lms.jobs.queue import get_queue
from lms.mail import send_mail
from tests.factories import api_headers, make_user

calls: list[dict] = []


@jobs.task("tests.record", max_attempts=3)
def record_call(**arguments) -> None:
    calls.append(arguments)


outage = {"on": True}


@jobs.task("tests.fail", max_attempts=3)
def fail_while_out(reason: str) -> None:
    if outage["on"]:
        raise OSError(reason)
    calls.append({"reason": reason})


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()
    outage["on"] = True


def test_a_job_runs_once_its_transaction_commits(app_ctx):
    job = jobs.enqueue("tests.record", colour="blue")
    assert calls == []
    db.session.commit()
    assert calls == [{"colour": "blue"}]
    assert db.session.get(Job, job.id, populate_existing=True).status == "done"


def test_queuing_a_job_costs_the_request_one_statement(app_ctx):
    """The row is inserted and handed back as inserted, not read again
    (tests/perf/reports/jobs.md: enqueuing's CPU is part of every request that queues)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    db.session.connection()  # the transaction's BEGIN is the request's, not the job's
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        job = jobs.enqueue("tests.record", actor_id=None, colour="amber")
        seen = (job.name, job.status, job.arguments, job.attempts, job.max_attempts)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT")
    assert seen == ("tests.record", "queued", {"colour": "amber"}, 0, 3)
    db.session.commit()
    assert calls == [{"colour": "amber"}]
    assert db.session.get(Job, job.id, populate_existing=True).status == "done"


def test_a_rolled_back_job_never_runs_and_leaves_no_row(app_ctx):
    jobs.enqueue("tests.record", colour="red")
    db.session.rollback()
    db.session.commit()
    assert calls == []
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_same_key_queues_one_job(app_ctx):
    first = jobs.enqueue("tests.record", key="once:1", colour="green")
    second = jobs.enqueue("tests.record", key="once:1", colour="green")
    db.session.commit()
    assert first.id == second.id
    assert calls == [{"colour": "green"}]
    again = jobs.enqueue("tests.record", key="once:1", colour="green")
    db.session.commit()
    assert again.id == first.id and len(calls) == 1


def test_without_a_broker_a_failure_is_recorded_for_staff_to_retry(app_ctx):
    job = jobs.enqueue("tests.fail", reason="disk on fire")
    db.session.commit()
    failed = db.session.get(Job, job.id, populate_existing=True)
    assert failed.status == "failed"
    assert failed.attempts == 1
    assert "disk on fire" in failed.error
    assert failed.finished_at is not None


def test_without_eager_mode_jobs_run_on_a_thread_after_the_commit(app, app_ctx, monkeypatch):
    queue = get_queue(app)
    monkeypatch.setattr(queue, "eager", False)
    job = jobs.enqueue("tests.record", colour="amber")
    db.session.commit()
    queue.wait_for_local_jobs()
    assert calls == [{"colour": "amber"}]
    assert db.session.get(Job, job.id, populate_existing=True).status == "done"


def test_without_a_broker_a_request_s_jobs_start_once_it_is_over(app, monkeypatch):
    """They do not share the interpreter with the request that queued them."""
    queue = get_queue(app)
    monkeypatch.setattr(queue, "eager", False)
    with app.test_request_context("/courses"):
        jobs.enqueue("tests.record", colour="teal")
        db.session.commit()
        time.sleep(0.3)  # the rest of the request
        assert calls == []
    queue.wait_for_local_jobs()
    assert calls == [{"colour": "teal"}]


def test_an_unknown_task_is_refused(app_ctx):
    with pytest.raises(LookupError):
        jobs.enqueue("tests.no-such-task")


# --- staff ------------------------------------------------------------------------

def _failed_job() -> Job:
    job = jobs.enqueue("tests.fail", reason="smtp down")
    db.session.commit()
    return db.session.get(Job, job.id, populate_existing=True)


def test_staff_list_jobs_by_status(client, app_ctx):
    admin = make_user(role="admin")
    failed = _failed_job()
    jobs.enqueue("tests.record", colour="x")
    db.session.commit()
    headers = api_headers(admin)
    everything = client.get("/api/v1/jobs", headers=headers).get_json()
    assert everything["total"] == 2
    assert {row["status"] for row in everything["items"]} == {"failed", "done"}
    only_failed = client.get("/api/v1/jobs?status=failed", headers=headers).get_json()
    assert [row["id"] for row in only_failed["items"]] == [failed.id]
    row = only_failed["items"][0]
    assert row["name"] == "tests.fail" and row["attempts"] == 1 and "smtp down" in row["error"]
    assert row["enqueued_at"] and row["finished_at"]
    bad = client.get("/api/v1/jobs?status=lost", headers=headers)
    assert bad.status_code in (400, 422)
    assert bad.mimetype == "application/problem+json"


@pytest.mark.parametrize("role", ["member", "instructor"])
def test_only_staff_see_or_retry_jobs(client, app_ctx, role):
    failed = _failed_job()
    headers = api_headers(make_user(role=role))
    assert client.get("/api/v1/jobs", headers=headers).status_code == 403
    assert client.post(f"/api/v1/jobs/{failed.id}/retry", headers=headers).status_code == 403
    assert client.get("/api/v1/jobs").status_code == 401
    assert db.session.get(Job, failed.id, populate_existing=True).attempts == 1


def test_retrying_a_failed_job_runs_it_again(client, app_ctx):
    failed = _failed_job()
    outage["on"] = False
    response = client.post(f"/api/v1/jobs/{failed.id}/retry",
                           headers=api_headers(make_user(role="admin")))
    assert response.status_code == 200
    assert calls == [{"reason": "smtp down"}]
    job = db.session.get(Job, failed.id, populate_existing=True)
    assert (job.status, job.attempts, job.error) == ("done", 1, None)


def test_only_a_failed_job_can_be_retried(client, app_ctx):
    done = jobs.enqueue("tests.record", colour="y")
    db.session.commit()
    response = client.post(f"/api/v1/jobs/{done.id}/retry",
                           headers=api_headers(make_user(role="admin")))
    assert response.status_code == 409
    assert client.post("/api/v1/jobs/999999/retry",
                       headers=api_headers(make_user(role="admin"))).status_code == 404


def test_the_staff_page_lists_failures_with_a_retry_button(client, app_ctx, auth):
    admin = make_user(role="admin")
    failed = _failed_job()
    auth.login(admin.email)
    page = client.get("/admin/jobs?status=failed")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "tests.fail" in html and "smtp down" in html
    assert f"Retry job {failed.id}" in html


def test_a_job_lost_in_the_queue_can_be_sent_again(client, app_ctx):
    """Queued long ago and never started (a restored database, a process gone)."""
    lost = Job(name="tests.record", arguments={"colour": "lost"}, status="queued",
               enqueued_at=utcnow() - timedelta(hours=1))
    recent = Job(name="tests.record", arguments={"colour": "new"}, status="queued",
                 enqueued_at=utcnow())
    db.session.add_all([lost, recent])
    db.session.commit()
    headers = api_headers(make_user(role="admin"))
    assert client.post(f"/api/v1/jobs/{recent.id}/retry", headers=headers).status_code == 409
    assert client.post(f"/api/v1/jobs/{lost.id}/retry", headers=headers).status_code == 200
    assert calls == [{"colour": "lost"}]


def test_production_logs_who_was_mailed_but_never_the_message(make_app):
    """Without a mail server the demo logs whole messages (its reset links); production
    must not write a reset link into its logs."""
    production = make_app("production", SECRET_KEY="s" * 40, ALLOW_SQLITE=True,
                          MAIL_SERVER=None, JOBS_EAGER=True, LOG_FORMAT="text")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("lms.mail")
    logger.addHandler(handler)
    try:
        with production.app_context():
            db.create_all()
            send_mail("ada@example.org", "Reset your password", "https://x.example/reset/SECRET")
            db.session.commit()
    finally:
        logger.removeHandler(handler)
    lines = [record.getMessage() for record in records]
    assert any("ada@example.org" in line and "Reset your password" in line for line in lines)
    assert not any("SECRET" in line for line in lines)


def test_a_second_back_issue_click_joins_the_one_under_way(app, app_ctx, monkeypatch):
    from datetime import UTC, datetime

    from lms.certificates.backissue import start_back_issue
    from tests.factories import enrol, make_course

    monkeypatch.setattr(get_queue(app), "eager", False)
    monkeypatch.setattr(get_queue(app), "send", lambda job_ids: None)  # no worker yet
    course = make_course(certificate_enabled=True)
    for n in range(2):
        enrol(make_user(), course, completed_at=datetime(2026, 1, n + 1, tzinfo=UTC))
    admin = make_user(role="admin")
    first = start_back_issue(admin, course.id)
    db.session.commit()
    second = start_back_issue(admin, course.id)
    db.session.commit()
    assert first[0] == second[0] == 2
    assert first[1].id == second[1].id
