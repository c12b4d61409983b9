"""The player streams renditions in Chromium: a fast start on a 400 kbit/s link at the
lowest variant, an audio-only switch that keeps reporting progress, completion as before."""

from __future__ import annotations

import io
import time

import pytest
from flask import current_app

from lms.catalog.models import Caption
from lms.extensions import db
from lms.media.models import MediaAsset
from lms.media.renditions import make_renditions
from lms.storage import get_storage, new_key
from tests.browser import assert_accessible, log_in, wait_until
from tests.factories import enrol, make_course, make_item, make_media, make_module, make_user
from tests.media.videos import needs_ffmpeg

pytestmark = [pytest.mark.browser, needs_ffmpeg]

VIDEO = "document.getElementById('video')"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:01:00.000\nA tone and a test picture.\n"
KBIT = 1000 / 8  # bytes per second of one kbit/s


@pytest.fixture
def streamed_course(app_ctx, local_backend, video_60s):
    """A course whose 60 s video has its renditions (made by the job itself)."""
    key = new_key()
    get_storage().save(key, io.BytesIO(video_60s), "video/mp4")
    media = make_media(storage_key=key, size=len(video_60s), duration_seconds=60.0,
                       original_name="talk.mp4", renditions_status="queued")
    make_renditions(media.id)
    assert db.session.get(MediaAsset, media.id).renditions_status == "ready"
    course = make_course(title="Streaming basics")
    item = make_item(make_module(course), kind="video", title="The talk", media=media,
                     min_watch_percent=20)
    vtt_key = new_key()
    get_storage().save(vtt_key, io.BytesIO(VTT.encode()), "text/vtt")
    captions = make_media(storage_key=vtt_key, content_type="text/vtt", kind="captions",
                          original_name="talk.vtt", size=len(VTT), duration_seconds=None)
    db.session.add(Caption(item_id=item.id, media_id=captions.id, language="en",
                           label="English"))
    db.session.commit()
    member = make_user()
    enrol(member, course)
    return course, item, member


def library_url() -> str:
    """The fingerprinted URL of the vendored hls.js, as pages link it."""
    from flask import url_for

    with current_app.test_request_context():
        return url_for("static", filename="vendor/hls/hls.min.js")


def throttle(page, kbits: float | None) -> None:
    """Chromium's own network emulation (CDP), as DevTools' throttling does it."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    rate = kbits * KBIT if kbits else -1
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 40 if kbits else 0,
        "downloadThroughput": rate, "uploadThroughput": rate})


def test_slow_link_start_audio_only_and_completion(page, streamed_course):
    course, item, member = streamed_course
    segments: list[str] = []
    page.on("request", lambda r: segments.append(r.url) if r.url.endswith(".ts") else None)
    csp_errors: list[str] = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, member.email)
    # hls.js in the browser's cache (static files are cached for a year), none of the video.
    page.evaluate("url => fetch(url).then(r => r.text())", library_url())

    throttle(page, 400)
    page.goto(f"/learn/{course.slug}/items/{item.id}")
    started = time.monotonic()
    page.evaluate(f"{VIDEO}.play()")
    wait_until(page, f"{VIDEO}.currentTime > 0.2", timeout=10)
    assert time.monotonic() - started < 5
    assert "/hls/240p/" in segments[0]  # the lowest variant comes first
    throttle(page, None)
    wait_until(page, "!document.getElementById('quality-control').hidden")
    assert page.locator("#quality option").all_inner_texts() == ["Auto", "240p", "360p"]
    assert_accessible(page)

    wait_until(page, f"{VIDEO}.currentTime > 3", timeout=15)
    page.click("#audio-only")
    assert page.get_attribute("#audio-only", "aria-pressed") == "true"
    wait_until(page, "!" + VIDEO + ".paused && " + VIDEO + ".currentTime > 5", timeout=15)
    assert any("/hls/audio/" in url for url in segments)
    assert page.is_hidden("#quality-control")
    page.click("#captions-toggle")  # captions go with every source: they are the page's track
    wait_until(page, f"{VIDEO}.textTracks[0].mode === 'showing' && "
                     f"{VIDEO}.textTracks[0].activeCues.length === 1")

    wait_until(page, f"{VIDEO}.currentTime > 13", timeout=30)
    with page.expect_response(lambda r: r.url.endswith(f"/items/{item.id}/progress")) as info:
        page.evaluate(f"{VIDEO}.pause()")
    report = info.value.json()
    assert info.value.status == 200
    assert report["completed"] is True  # 20 % of 60 s watched, video then sound only
    assert csp_errors == []
