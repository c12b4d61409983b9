"""A 30 s LRS outage, with a real worker on Redis: every statement arrives once, in order."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from lms.extensions import db
from lms.jobs.models import Job
from lms.standards.service import TASK
from tests.jobs.workers import (
    REDIS_URL,
    clear_namespace,
    new_namespace,
    running_worker,
    wait_until,
    worker_environment,
)
from tests.standards.conftest import lrs_settings
from tests.standards.test_lrs_forwarding import ids, member_journey, recorded


def _most_attempts() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.max(Job.attempts)).where(Job.name == TASK)) or 0


def test_events_recorded_during_an_lrs_outage_arrive_once_in_order_after_it(
        app, make_app, ralph):
    namespace = new_namespace()
    settings = lrs_settings(ralph)
    broker_app = make_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        MEDIA_DIR=app.config["MEDIA_DIR"], BROKER_URL=REDIS_URL, JOBS_NAMESPACE=namespace,
        JOBS_EAGER=False, **settings)
    env = worker_environment(broker_app, namespace, LMS_JOB_MAX_BACKOFF_MS="5000",
                             **{f"LMS_{key}": value for key, value in settings.items()})
    client = broker_app.test_client()
    try:
        with broker_app.app_context(), running_worker(env):
            member_journey(client, courses=1)
            wait_until(lambda: len(ralph.statements()) == len(recorded()), 30,
                       what="the first statements at the LRS")
            ralph.stop()
            down_until = time.monotonic() + 30
            member_journey(client, courses=3)  # each request answers: nothing waits for the LRS
            wait_until(lambda: _most_attempts() >= 2, 30, what="forwarding retried")
            time.sleep(max(0.0, down_until - time.monotonic()))
            ralph.start()
            wait_until(lambda: len(ralph.statements()) >= len(recorded()), 60,
                       what="the backlog at the LRS")
            time.sleep(1)  # a duplicate, if any, would arrive now
            assert ids(ralph.statements()) == ids(recorded())
            assert len(recorded()) > 6
    finally:
        clear_namespace(namespace)
