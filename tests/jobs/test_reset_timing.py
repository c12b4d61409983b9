"""Reset requests on an app whose jobs go to Redis, with a real worker running: known and
unknown emails answer in the same time (medians within 20 %), and only the real account's
mails arrive, sent by the worker."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.accounts.service import RESET_MAIL_JOB
from lms.extensions import db
from lms.jobs.models import Job
from tests.accounts.test_login_timing import (
    ATTEMPTS,
    REAL,
    ROUNDS,
    TOLERANCE,
    WARM_UP,
    addresses,
    median_times,
    reset_request,
)
from tests.factories import make_user
from tests.jobs.workers import running_worker, wait_until, worker_environment

#: Timing-sensitive: CI runs these alone, after the parallel run.
pytestmark = pytest.mark.serial


def reset_jobs(status: str | None = None) -> int:
    db.session.rollback()
    query = select(func.count()).select_from(Job).where(Job.name == RESET_MAIL_JOB)
    if status is not None:
        query = query.where(Job.status == status)
    return db.session.scalar(query)


def test_reset_requests_take_as_long_for_unknown_emails_and_the_worker_mails_the_real_one(
        broker_app, namespace, mail_server):
    broker_app.config["RESET_MAIL_LIMIT"] = "1000/hour"  # 50 and more mails to one inbox
    client = broker_app.test_client()
    with broker_app.app_context(), \
            running_worker(worker_environment(broker_app, namespace)) as worker:
        make_user(email=REAL)
        send, address = reset_request(client), addresses()
        seen = []
        for attempt in range(ATTEMPTS):
            real, unknown = median_times(send, address, 302, f"nobody{attempt}-")
            seen.append(f"{real * 1000:.2f} ms for a real account, {unknown * 1000:.2f} ms "
                        "unknown")
            if max(real, unknown) / min(real, unknown) < TOLERANCE:
                break
        else:
            pytest.fail(f"medians differ by 20 % or more in every attempt: {seen}")
        sent = len(seen) * (WARM_UP + ROUNDS)
        wait_until(lambda: reset_jobs("done") == 2 * sent, 120, every=0.2,
                   what=f"every reset job run by the worker\n{worker.output()[-2000:]}")
        wait_until(lambda: len(mail_server.to(REAL)) >= sent, 60,
                   what=f"the real account's mails\n{worker.output()[-2000:]}")
        assert reset_jobs() == 2 * sent
    assert len(mail_server.to(REAL)) == sent
    assert {message["To"] for message in mail_server.messages} == {REAL}
