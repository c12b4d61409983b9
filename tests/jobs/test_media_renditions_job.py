"""A worker killed while it transcodes: the video stays playable as uploaded, and the
job runs again on the next worker, which replaces whatever the first one left half-made."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.jobs.models import Job
from lms.media.models import MediaAsset, MediaRendition
from lms.media.renditions import RENDITIONS_JOB
from lms.storage import get_storage
from tests.factories import api_headers, make_user
from tests.jobs.workers import Worker, running_worker, wait_until, worker_environment
from tests.media.uploads import content_bytes, upload
from tests.media.videos import needs_ffmpeg, video_60s

pytestmark = needs_ffmpeg


def stored(media_id: int) -> MediaAsset:
    db.session.rollback()
    return db.session.get(MediaAsset, media_id, populate_existing=True)


def test_a_worker_killed_mid_transcode_leaves_the_original_and_the_job_runs_again(
        broker_app, namespace):
    broker_app.config["MEDIA_RENDITIONS"] = True
    client = broker_app.test_client()
    env = worker_environment(broker_app, namespace, LMS_MEDIA_X264_PRESET="ultrafast")
    data = video_60s()
    with broker_app.app_context():
        teacher = make_user(role="instructor")
        headers = api_headers(teacher)
        done = upload(client, headers, data, "talk.mp4", "video/mp4")
        assert done.status_code == 200, done.get_json()
        media_id = done.get_json()["id"]
        assert done.get_json()["status"] == "processing"

        first = Worker(env)
        try:
            wait_until(lambda: stored(media_id).renditions_percent > 0, 60,
                       what=f"transcoding under way\n{first.output()[-2000:]}")
        finally:
            first.kill()
        asset = stored(media_id)
        assert asset.renditions_status == "processing"
        assert content_bytes(client, headers, media_id) == data  # playable as uploaded
        shown = client.get(f"/api/v1/media/{media_id}", headers=headers).get_json()
        assert (shown["status"], shown["renditions"]) == ("processing", [])

        with running_worker(env) as second:
            wait_until(lambda: stored(media_id).renditions_status == "ready", 90,
                       what=f"renditions made by the next worker\n{second.output()[-2000:]}")
        job = db.session.scalars(select(Job).where(Job.name == RENDITIONS_JOB)).one()
        assert (job.status, job.attempts) == ("done", 2)
        asset = stored(media_id)
        rows = db.session.scalars(select(MediaRendition)
                                  .where(MediaRendition.media_id == media_id)).all()
        assert sorted(r.name for r in rows) == ["240p", "360p", "audio", "audio.m4a",
                                                "poster.jpg"]
        listed = {o.key for o in get_storage().list_objects(asset.rendition_prefix + "/")}
        expected = {f"{asset.rendition_prefix}/{r.name}/{line}" for r in rows if r.playlist
                    for line in r.playlist.splitlines() if line and not line.startswith("#")}
        expected |= {r.storage_key for r in rows}
        assert listed == expected  # nothing half-made left over from the killed run
