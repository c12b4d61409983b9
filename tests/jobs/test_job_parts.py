"""A large job split into parts that workers share: the whole is done when every part
is, failed when one fails for good, and a retry of the whole runs its failed parts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import jobs
from lms.certificates.backissue import BACK_ISSUE_PART_JOB, PART, start_back_issue
from lms.certificates.models import Certificate
from lms.extensions import db, utcnow
from lms.jobs.models import Job
from tests.factories import (
    api_headers,
    bulk_completions,
    bulk_members,
    make_course,
    make_user,
)

done_parts: list[int] = []
broken = {"part": None}


@jobs.task("tests.whole")
def whole(parts: int) -> str:
    job = jobs.current_job()
    jobs.report_progress(0, parts)
    for number in range(parts):
        jobs.enqueue("tests.part", parent_id=job.id, number=number)
    return jobs.WAIT_FOR_PARTS


@jobs.task("tests.part", max_attempts=2)
def part(number: int) -> None:
    if broken["part"] == number:
        raise OSError(f"part {number} cannot reach the disk")
    done_parts.append(number)
    jobs.count_for_parent(1)


@pytest.fixture(autouse=True)
def _fresh():
    done_parts.clear()
    broken["part"] = None


def _reload(job_id: int) -> Job:
    return db.session.get(Job, job_id, populate_existing=True)


def _parts_of(job_id: int) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.parent_id == job_id)
                                   .order_by(Job.id)).all())


def test_the_whole_is_done_when_every_part_is(app_ctx):
    queued = jobs.enqueue("tests.whole", parts=3)
    db.session.commit()
    whole_job = _reload(queued.id)
    assert sorted(done_parts) == [0, 1, 2]
    assert [p.status for p in _parts_of(whole_job.id)] == ["done"] * 3
    assert (whole_job.status, whole_job.done_count, whole_job.total_count) == ("done", 3, 3)
    assert whole_job.finished_at is not None


def test_a_part_failing_for_good_fails_the_whole_and_a_retry_runs_only_that_part(
        client, app_ctx):
    broken["part"] = 1
    queued = jobs.enqueue("tests.whole", parts=3)
    db.session.commit()
    failed = _reload(queued.id)
    assert failed.status == "failed"
    assert "retry this job" in failed.error
    assert [p.status for p in _parts_of(failed.id)] == ["done", "failed", "done"]

    broken["part"] = None
    response = client.post(f"/api/v1/jobs/{failed.id}/retry",
                           headers=api_headers(make_user(role="admin")))
    assert response.status_code == 200
    assert sorted(done_parts) == [0, 1, 2]  # parts 0 and 2 did not run twice
    finished = _reload(failed.id)
    assert (finished.status, finished.done_count) == ("done", 3)
    assert len(_parts_of(finished.id)) == 3  # no second set of parts


def test_a_large_back_issue_runs_in_parts_and_issues_each_certificate_once(app_ctx):
    admin = make_user(role="admin")
    course = make_course(certificate_enabled=True)
    members = 2 * PART + 7
    bulk_completions(course, bulk_members(members))
    count, queued = start_back_issue(admin, course.id)
    db.session.commit()
    assert count == members
    whole_job = _reload(queued.id)
    parts = _parts_of(whole_job.id)
    assert [p.name for p in parts] == [BACK_ISSUE_PART_JOB] * 3
    assert sorted(len(p.arguments["member_ids"]) for p in parts) == [7, PART, PART]
    assert (whole_job.status, whole_job.done_count, whole_job.total_count) == (
        "done", members, members)
    per_member = db.session.execute(
        select(Certificate.user_id, func.count()).where(Certificate.course_id == course.id)
        .group_by(Certificate.user_id)).all()
    assert len(per_member) == members and {n for _, n in per_member} == {1}


def test_pruning_forgets_jobs_done_long_ago_and_keeps_failures(app_ctx, app):
    old = utcnow() - timedelta(days=40)
    done_long_ago = Job(name="tests.part", arguments={}, status="done", finished_at=old)
    failed_long_ago = Job(name="tests.part", arguments={}, status="failed", finished_at=old)
    done_lately = Job(name="tests.part", arguments={}, status="done", finished_at=utcnow())
    db.session.add_all([done_long_ago, failed_long_ago, done_lately])
    db.session.flush()
    a_part = Job(name="tests.part", arguments={}, status="done", finished_at=old,
                 parent_id=done_long_ago.id)
    db.session.add(a_part)
    db.session.commit()
    ids = [done_long_ago.id, failed_long_ago.id, done_lately.id, a_part.id]

    result = app.test_cli_runner().invoke(args=["lms", "prune-jobs", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 job records" in result.output
    db.session.expire_all()
    left = set(db.session.scalars(select(Job.id).where(Job.id.in_(ids))))
    assert left == {failed_long_ago.id, done_lately.id}
