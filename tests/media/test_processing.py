"""On upload the server converts SRT captions and reads audio/video durations with PyAV."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.jobs.models import Job
from lms.media.models import MediaAsset
from lms.media.ready import DURATION_JOB
from tests.media.uploads import content_bytes, make_video, simple_upload, upload

SRT = (
    "1\r\n00:00:01,000 --> 00:00:04,500\r\nWelcome to the webinar.\r\n\r\n"
    "2\r\n00:00:05,000 --> 00:00:07,250\r\nToday: <i>open data</i> in libraries.\r\n"
).encode("utf-8-sig")
VTT_BODY = (
    "00:00:01.000 --> 00:00:04.500\nWelcome to the webinar.\n\n"
    "00:00:05.000 --> 00:00:07.250\nToday: <i>open data</i> in libraries.\n"
)


def stored(media_id: int) -> MediaAsset:
    db.session.expire_all()
    return db.session.get(MediaAsset, media_id)


@pytest.mark.parametrize("content_type", ["application/x-subrip", "application/octet-stream", ""])
def test_srt_is_converted_to_webvtt_in_one_request(client, backend, teacher, content_type):
    response = simple_upload(client, teacher, SRT, "captions.en.srt", content_type)

    assert response.status_code == 201, response.get_json()
    media = response.get_json()
    assert (media["content_type"], media["filename"]) == ("text/vtt", "captions.en.vtt")
    assert stored(media["id"]).kind == "captions"
    vtt = content_bytes(client, teacher, media["id"]).decode("utf-8")
    assert vtt == "WEBVTT\n\n" + VTT_BODY
    assert media["size"] == len(vtt.encode("utf-8"))


def test_srt_is_converted_after_a_multipart_upload(client, backend, teacher):
    done = upload(client, teacher, SRT, "captions.srt", "application/x-subrip")

    assert done.status_code == 200
    media = done.get_json()
    assert media["content_type"] == "text/vtt"
    assert content_bytes(client, teacher, media["id"]).decode() == "WEBVTT\n\n" + VTT_BODY
    assert stored(media["id"]).storage_key.endswith("/2")


def test_webvtt_is_stored_as_it_is(client, backend, teacher):
    vtt = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"

    media = simple_upload(client, teacher, vtt, "c.vtt", "text/vtt").get_json()

    assert content_bytes(client, teacher, media["id"]) == vtt


def test_video_duration_is_read_in_one_request(client, backend, teacher):
    response = simple_upload(client, teacher, make_video(2.0), "clip.mp4", "video/mp4")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["duration_seconds"] == pytest.approx(2.0, abs=0.15)
    assert stored(response.get_json()["id"]).duration_source == "pyav"


def test_video_duration_is_read_by_a_job_after_a_multipart_upload(client, backend, teacher):
    """Completion answers at once; a job reads the duration (in S3 mode PyAV reads the
    object over HTTP, through a presigned URL). Tests run jobs as soon as they commit."""
    done = upload(client, teacher, make_video(3.0, "webm"), "clip.webm", "video/webm")

    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["duration_seconds"]) == ("ready", None)
    asset = stored(done.get_json()["id"])
    assert asset.duration_seconds == pytest.approx(3.0, abs=0.15)
    assert (asset.status, asset.duration_source) == ("ready", "pyav")
    job = db.session.scalars(db.select(Job).where(Job.name == DURATION_JOB)).one()
    assert (job.status, job.arguments) == ("done", {"media_id": asset.id})


def test_an_unreadable_video_fails_with_a_clear_reason_once_read(client, backend, teacher):
    junk = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x13" * 50_000

    done = upload(client, teacher, junk, "broken.mp4", "video/mp4")

    assert done.status_code == 200  # its bytes look like MP4; only reading it tells otherwise
    asset = stored(done.get_json()["id"])
    assert asset.status == "failed"
    assert "could not read this video" in asset.failure_reason
    assert backend.head(asset.storage_key) is None
    status = client.get(f"/api/v1/uploads/{asset.id}", headers=teacher).get_json()
    assert status["status"] == "failed"


def test_an_unreadable_video_in_one_request_is_refused(client, backend, teacher):
    junk = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x13" * 5_000

    response = simple_upload(client, teacher, junk, "broken.mp4", "video/mp4")

    assert response.status_code == 400
    assert db.session.query(MediaAsset).filter_by(status="ready").count() == 0
