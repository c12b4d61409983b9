"""A multipart upload completes at once on an app whose jobs go to Redis; a real worker
then reads the video's length, and the course using it can be published."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.jobs.models import Job
from lms.media.models import MediaAsset
from lms.media.ready import DURATION_JOB
from tests.factories import api_headers, make_course, make_item, make_module, make_user
from tests.jobs.workers import running_worker, wait_until, worker_environment
from tests.media.uploads import make_video, upload


def stored(media_id: int) -> MediaAsset:
    db.session.rollback()
    return db.session.get(MediaAsset, media_id, populate_existing=True)


def test_a_worker_reads_the_length_of_a_completed_upload(broker_app, namespace):
    client = broker_app.test_client()
    with broker_app.app_context():
        teacher = make_user(role="instructor")
        headers = api_headers(teacher)
        course = make_course(instructors=[teacher], status="draft")

        done = upload(client, headers, make_video(3.0, "webm"), "talk.webm", "video/webm")

        assert done.status_code == 200, done.get_json()
        media = done.get_json()
        assert (media["status"], media["duration_seconds"]) == ("ready", None)
        job = db.session.scalars(db.select(Job).where(Job.name == DURATION_JOB)).one()
        assert job.status == "queued"  # nothing read inside the request
        make_item(make_module(course), kind="video", title="Talk",
                  media=db.session.get(MediaAsset, media["id"]))
        publish = f"/api/v1/courses/{course.id}/publish"
        assert client.post(publish, headers=headers).status_code == 409

        with running_worker(worker_environment(broker_app, namespace)) as worker:
            wait_until(lambda: stored(media["id"]).duration_seconds, 60,
                       what=f"the length read by the worker\n{worker.output()[-2000:]}")
        assert stored(media["id"]).duration_seconds == pytest.approx(3.0, abs=0.15)
        assert client.post(publish, headers=headers).status_code == 200
