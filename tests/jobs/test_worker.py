"""Jobs through Redis and real ``flask lms worker`` processes: delivery, retries, and
a worker killed mid-job (its job runs again; nothing is done twice)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.certificates.backissue import PART, start_back_issue
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.jobs.models import Job
from lms.jobs.queue import get_queue
from lms.mail import send_mail
from tests.factories import bulk_completions, bulk_members, make_course, make_user
from tests.jobs.workers import Worker, running_worker, wait_until, worker_environment
from tests.mailserver import MailServer
from tests.ports import free_port

#: How often the kill test repeats (``LMS_TEST_KILL_RUNS``; CI's PostgreSQL run asks for 20).
KILL_RUNS = int(os.environ.get("LMS_TEST_KILL_RUNS", "1"))
BACK_ISSUE_MEMBERS = 500


def _job(job_id: int) -> Job:
    return db.session.get(Job, job_id, populate_existing=True)


def _mail_jobs(status: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Job).where(
        Job.name == "mail.send", Job.status == status))


def test_a_worker_delivers_mail_queued_in_a_transaction(broker_app, namespace, mail_server):
    with broker_app.app_context(), running_worker(worker_environment(broker_app, namespace)):
        send_mail("reader@example.org", "Hello", "Welcome to the course.")
        db.session.commit()
        wait_until(lambda: mail_server.to("reader@example.org"), 30, what="the mail")
        wait_until(lambda: _mail_jobs("done") == 1, 10, what="the job marked done")
        assert mail_server.to("reader@example.org")[0]["Subject"] == "Hello"


def test_mail_queued_while_the_mail_server_is_down_arrives_once_it_is_back(
        broker_app, namespace):
    """The server is down for 30 s: each mail is retried with backoff and arrives once."""
    port = free_port()  # nothing listens there until the server comes back
    env = worker_environment(broker_app, namespace, LMS_MAIL_SERVER="127.0.0.1",
                             LMS_MAIL_PORT=str(port), LMS_JOB_MAX_BACKOFF_MS="5000")
    addresses = [f"member{n}@example.org" for n in range(5)]
    with broker_app.app_context(), running_worker(env):
        for address in addresses:
            send_mail(address, "Your certificate is ready", "It is.")
        db.session.commit()
        down_until = time.monotonic() + 30
        wait_until(lambda: db.session.scalar(select(func.min(Job.attempts))
                                             .where(Job.name == "mail.send")) >= 2
                   or db.session.rollback(), 30, what="a second attempt of every mail")
        time.sleep(max(0.0, down_until - time.monotonic()))
        back = MailServer(port)
        back.start()
        try:
            wait_until(lambda: _mail_jobs("done") == len(addresses), 60,
                       what="every mail delivered")
            time.sleep(1)  # a duplicate, if any, would arrive now
        finally:
            back.stop()
        assert _mail_jobs("failed") == 0
    assert sorted(message["To"] for message in back.messages) == addresses


def _running_parts(job_id: int) -> list[int]:
    db.session.rollback()
    return list(db.session.scalars(select(Job.id).where(Job.parent_id == job_id,
                                                        Job.status == "running")))


@pytest.mark.parametrize("run", range(KILL_RUNS))
def test_a_worker_killed_mid_back_issue_leaves_the_job_to_the_next(broker_app, namespace, run):
    env = worker_environment(broker_app, namespace)
    with broker_app.app_context():
        admin = make_user(role="admin")
        course = make_course(certificate_enabled=True)
        bulk_completions(course, bulk_members(BACK_ISSUE_MEMBERS))
        first = Worker(env)
        try:
            count, job = start_back_issue(admin, course.id)
            db.session.commit()
            assert count == BACK_ISSUE_MEMBERS
            wait_until(lambda: _job(job.id).done_count >= 100 and bool(_running_parts(job.id)),
                       90, what="a first batch, and a part under way")
            first.kill()
        finally:
            first.stop()
        assert _job(job.id).status == "running"
        # Left running by the dead worker (rarely none: killed between two parts).
        cut_short = _running_parts(job.id)
        with running_worker(env):
            wait_until(lambda: _job(job.id).status == "done", 120, every=0.25,
                       what="the job finished by the second worker")
        finished = _job(job.id)
        assert (finished.done_count, finished.total_count) == (BACK_ISSUE_MEMBERS,) * 2
        parts = db.session.scalars(select(Job).where(Job.parent_id == job.id)).all()
        assert len(parts) == BACK_ISSUE_MEMBERS // PART
        assert {part.status for part in parts} == {"done"}, parts
        # The parts cut short ran again (SQLite's lock waits may add a retry).
        assert all(_job(part_id).attempts >= 2 for part_id in cut_short), parts
        per_member = db.session.execute(
            select(Certificate.user_id, func.count()).where(Certificate.course_id == course.id)
            .group_by(Certificate.user_id)).all()
        assert len(per_member) == BACK_ISSUE_MEMBERS
        assert {n for _, n in per_member} == {1}


EXIT_RIGHT_AFTER_QUEUING = """
import sys, time
from wsgi import app
from lms import jobs
from lms.extensions import db
from lms.jobs.queue import get_queue

actor = get_queue(app).actor
send = actor.send
actor.send = lambda *args: (time.sleep(0.5), send(*args))  # a slow broker
with app.app_context():
    job = jobs.enqueue("mail.send", to="late@example.org", subject="Sent on the way out",
                       body="Hello")
    db.session.commit()
    print(job.id, flush=True)
sys.exit(0)
"""


def test_a_request_s_messages_leave_once_it_is_over(broker_app):
    """The sender thread does not share the interpreter with the request that queued."""
    queue = get_queue(broker_app)
    with broker_app.test_request_context("/courses"):
        send_mail("soon@example.org", "Sent after the request", "Hello")
        db.session.commit()
        time.sleep(0.3)  # the rest of the request
        assert queue.depth() == 0
    queue.flush()
    assert queue.depth() == 1


def test_a_process_that_exits_right_after_queuing_still_sends_the_message(
        broker_app, namespace):
    """Messages leave from a sender thread; a process on its way out (a gunicorn worker
    told to stop) sends what it queued before it goes."""
    env = worker_environment(broker_app, namespace)
    done = subprocess.run([sys.executable, "-c", EXIT_RIGHT_AFTER_QUEUING], env=env,
                          cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    job_id = int(done.stdout.split()[0])
    assert get_queue(broker_app).depth() == 1
    with broker_app.app_context():
        assert _job(job_id).status == "queued"
