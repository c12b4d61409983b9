"""A 60 s video becomes an HLS ladder, an audio-only variant, an audio file and a poster,
made by a job after the upload; played through the app (local) or the bucket (S3)."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from flask import request_finished

from lms.extensions import db
from lms.jobs.models import Job
from lms.media.models import MediaAsset
from lms.media.renditions import RENDITIONS_JOB
from tests.factories import api_headers, make_course, make_item, make_module
from tests.media.uploads import fetch, upload
from tests.media.videos import needs_ffmpeg, parse, segment_seconds

pytestmark = needs_ffmpeg


def truncated_after_header(mp4: bytes) -> bytes:
    """The MP4's header boxes (its length reads fine) and almost none of its pictures."""
    offset = 0
    while mp4[offset + 4:offset + 8] != b"mdat":
        offset += int.from_bytes(mp4[offset:offset + 4], "big")
    return mp4[:offset + 4096]


def upload_video(client, headers, data: bytes) -> dict:
    response = upload(client, headers, data, "talk.mp4", "video/mp4")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


class Got:
    """A response read to the end and closed (file responses hold the file open)."""

    def __init__(self, response) -> None:
        self.status_code, self.headers = response.status_code, response.headers
        self.data = response.get_data()
        response.close()

    def get_data(self, as_text: bool = False):
        return self.data.decode() if as_text else self.data

    def get_json(self):
        import json

        return json.loads(self.data)


def get(client, headers, url: str) -> Got:
    got = Got(client.get(url, headers=headers))
    assert got.status_code == 200, (url, got.status_code, got.data[:300])
    return got


def test_a_video_becomes_a_ladder_whose_segments_all_decode(
        app, client, people, local_backend, renditions_on, video_60s):
    headers = people.headers("instructor")
    uploaded = upload_video(client, headers, video_60s)

    media = get(client, headers, f"/api/v1/media/{uploaded['id']}").get_json()
    assert media["status"] == "ready"
    assert media["duration_seconds"] == pytest.approx(60, abs=0.2)
    kinds = [r["kind"] for r in media["renditions"]]
    assert kinds.count("hls") >= 2 and kinds.count("audio") == 1
    assert media["renditions"][0]["bitrate"] < 400_000  # the lowest fits a 400 kbit/s link

    master_url = media["hls_url"]
    master = parse(get(client, headers, master_url).get_data(as_text=True), master_url)
    heights = [p.stream_info.resolution[1] for p in master.playlists if p.stream_info.resolution]
    assert heights == [240, 360]  # lowest first, never above the source's 360
    audio_only = [p for p in master.playlists if p.stream_info.resolution is None]
    assert [p.stream_info.codecs for p in audio_only] == ["mp4a.40.2"]

    for variant in master.playlists:
        variant_url = urljoin(master_url, variant.uri)
        playlist = parse(get(client, headers, variant_url).get_data(as_text=True))
        assert playlist.is_endlist and playlist.target_duration <= 7
        listed = sum(s.duration for s in playlist.segments)
        assert listed == pytest.approx(60, abs=1)
        decoded = sum(segment_seconds(get(client, headers, urljoin(variant_url, s.uri)).data)
                      for s in playlist.segments)
        assert decoded == pytest.approx(60, abs=1), variant.uri

    audio = get(client, headers, media["audio_url"])
    assert audio.headers["Content-Disposition"].startswith("attachment")
    assert audio.data[4:8] == b"ftyp"
    assert get(client, headers, media["poster_url"]).data[:3] == b"\xff\xd8\xff"


def test_in_s3_mode_segments_come_from_the_bucket_never_through_the_app(
        app, client, people, s3_backend, renditions_on, video_60s):
    headers = people.headers("instructor")
    media = upload_video(client, headers, video_60s)
    app_responses: list[tuple[str, str, int]] = []

    def record(sender, response, **extra):
        app_responses.append((response.mimetype, response.status_code,
                              response.calculate_content_length() or 0))

    request_finished.connect(record, app)
    try:
        master_url = f"/api/v1/media/{media['id']}/hls.m3u8"
        master = parse(get(client, headers, master_url).get_data(as_text=True), master_url)
        assert len(master.playlists) == 3
        for variant in master.playlists:
            playlist = parse(get(client, headers, urljoin(master_url, variant.uri))
                             .get_data(as_text=True))
            total = 0.0
            for segment in playlist.segments:
                assert segment.uri.startswith(s3_backend.client.meta.endpoint_url)
                assert f"/{s3_backend.bucket}/" in segment.uri and "X-Amz-Signature" in segment.uri
                status, _, data = fetch(segment.uri)
                assert status == 200
                total += segment_seconds(data)
            assert total == pytest.approx(60, abs=1)
    finally:
        request_finished.disconnect(record, app)
    assert app_responses and all(m == "application/vnd.apple.mpegurl" for m, _, _ in app_responses)
    assert max(size for _, _, size in app_responses) < 64 * 1024


def test_a_corrupt_video_fails_with_a_reason_and_is_not_retried(
        app, client, auth, people, local_backend, renditions_on, video_60s):
    headers = people.headers("instructor")
    corrupt = truncated_after_header(video_60s)
    media = upload_video(client, headers, corrupt)

    shown = get(client, headers, f"/api/v1/media/{media['id']}").get_json()
    assert shown["status"] == "failed"
    assert "could not be converted" in shown["failure_reason"]
    job = db.session.scalars(db.select(Job).where(Job.name == RENDITIONS_JOB)).one()
    assert (job.status, job.attempts) == ("failed", 1)
    assert get(client, headers, f"/api/v1/media/{media['id']}/content").data == corrupt
    course = make_course(instructors=[people.instructor], status="draft")
    make_item(make_module(course), kind="video", title="Talk",
              media=db.session.get(MediaAsset, media["id"]))
    publish = client.post(f"/api/v1/courses/{course.id}/publish", headers=headers)
    assert publish.status_code == 200  # renditions never block publishing
    assert client.get(f"/api/v1/media/{media['id']}/hls.m3u8", headers=headers).status_code == 404

    member = api_headers(people.member)
    retry = f"/api/v1/media/{media['id']}/renditions/retry"
    assert client.post(retry, headers=member).status_code == 404
    again = client.post(retry, headers=headers)
    assert again.status_code == 200
    assert jobs_made() == 2  # queued again, and failed again for the same reason

    auth.login(people.instructor.email)
    library = client.get("/studio/media").get_data(as_text=True)
    assert "could not be converted" in library and "The original still plays." in library
    assert 'renditions/retry"' in library
    form = auth.post(f"/studio/media/{media['id']}/renditions/retry")
    assert form.status_code == 303
    assert jobs_made() == 3


def jobs_made() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Job)
                             .where(Job.name == RENDITIONS_JOB))


def test_instructors_see_the_progress_of_processing(app, client, auth, people, local_backend):
    from tests.factories import make_media

    make_media(uploader_id=people.instructor.id, original_name="week1.mp4",
               renditions_status="processing", renditions_percent=42)
    auth.login(people.instructor.email)
    page = client.get("/studio/media").get_data(as_text=True)
    assert 'value="42"' in page and "processing, 42%" in page


def test_the_player_page_offers_the_stream_once_renditions_are_ready(app, client, auth,
                                                                     people):
    from lms.media.models import MediaRendition
    from tests.factories import enrol, make_media

    media = make_media(renditions_status="processing")
    course = make_course()
    item = make_item(make_module(course), kind="video", title="Talk", media=media)
    enrol(people.member, course)
    auth.login(people.member.email)
    player = f"/learn/{course.slug}/items/{item.id}"
    assert "data-hls-src" not in client.get(player).get_data(as_text=True)

    media = db.session.get(MediaAsset, media.id)
    media.renditions.append(MediaRendition(kind="hls", name="240p", height=240, width=426,
                                           bitrate=214_000, storage_key="media/x/r/240p/i",
                                           playlist="#EXTM3U\n"))
    media.renditions_status = "ready"
    db.session.commit()
    page = client.get(player).get_data(as_text=True)
    assert f'data-hls-src="/api/v1/media/{media.id}/hls.m3u8"' in page
    assert 'preload="none"' in page  # the original is not fetched ahead of the stream


def test_the_audio_download_is_offered_only_where_the_course_allows_it(app, client, auth,
                                                                      people):
    """Staff may turn downloads off (licensed recordings): the link goes, audio-only stays."""
    from lms.catalog.models import Course
    from lms.media.models import MediaRendition
    from tests.factories import enrol, make_media

    media = make_media(renditions_status="ready")
    media.renditions = [
        MediaRendition(kind="hls", name="audio", bitrate=64_000, storage_key="media/x/r/a/i",
                       playlist="#EXTM3U\n"),
        MediaRendition(kind="m4a", name="audio.m4a", storage_key="media/x/r/audio.m4a", size=9)]
    course = make_course(instructors=[people.instructor])
    item = make_item(make_module(course), kind="video", title="Talk", media=media)
    enrol(people.member, course)
    db.session.commit()
    auth.login(people.member.email)
    player = f"/learn/{course.slug}/items/{item.id}"
    assert f'href="/api/v1/media/{media.id}/audio.m4a" download' in client.get(player).get_data(
        as_text=True)

    changed = client.patch(f"/api/v1/courses/{course.id}", json={"allow_downloads": False},
                           headers=api_headers(people.instructor))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["allow_downloads"] is False
    assert db.session.get(Course, course.id).allow_downloads is False
    page = client.get(player).get_data(as_text=True)
    assert "Download the audio" not in page
    assert "data-audio-hls-src" in page  # listening without video still works
