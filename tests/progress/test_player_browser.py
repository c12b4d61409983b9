"""The player in Chromium: captions, progress without reload, resume, keyboard, axe."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import pytest

from lms.catalog.models import Caption
from lms.extensions import db
from lms.storage import get_storage, new_key
from tests.browser import assert_accessible, log_in, tab_to_next_item, wait_until
from tests.factories import (
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

pytestmark = pytest.mark.browser

SECONDS = 8
TRANSCRIPT = "Welcome to the course.\n\nLet's look at cataloguing, in full sentences."
VTT = ("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nWelcome to the course.\n\n"
       "00:00:03.000 --> 00:00:08.000\nLet's look at cataloguing.\n")


def tiny_webm(seconds: int = SECONDS, fps: int = 10) -> bytes:
    """A small VP8 video of changing grey frames, made with PyAV."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for n in range(seconds * fps):
            frame = av.VideoFrame(64, 48, "yuv420p")
            for index, plane in enumerate(frame.planes):
                value = (n * 3) % 256 if index == 0 else 128
                plane.update(bytes([value]) * plane.buffer_size)
            frame.pts = n
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def stored_media(data: bytes, content_type: str, kind: str, **over):
    key = new_key()
    get_storage().save(key, io.BytesIO(data), content_type)
    return make_media(storage_key=key, content_type=content_type, kind=kind, size=len(data),
                      **over)


@pytest.fixture
def captioned_course(app_ctx):
    course = make_course(title="Cataloguing basics")
    module = make_module(course, title="Getting started")
    video_media = stored_media(tiny_webm(), "video/webm", "video", duration_seconds=SECONDS,
                               original_name="welcome.webm")
    captions_media = stored_media(VTT.encode(), "text/vtt", "captions",
                                  original_name="welcome.vtt", duration_seconds=None)
    video = make_item(module, kind="video", title="Welcome recording", media=video_media,
                      transcript=TRANSCRIPT)
    db.session.add(Caption(item_id=video.id, media_id=captions_media.id, language="en",
                           label="English"))
    reading = make_item(module, kind="reading", title="Policy reading")
    db.session.commit()
    member = make_user()
    enrol(member, course)
    return course, video, reading, member


def test_play_captions_progress_resume_keyboard_and_axe(page, captioned_course):
    course, video, reading, member = captioned_course
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}")
    page.wait_for_url(f"**/learn/{course.slug}/items/{video.id}")
    wait_until(page, "document.getElementById('video').readyState >= 1")
    assert page.locator(".cue").count() == 2  # the transcript, parsed from the captions

    page.click("#captions-toggle")
    assert page.evaluate("document.getElementById('video').textTracks[0].mode") == "showing"
    assert page.get_attribute("#captions-toggle", "aria-pressed") == "true"

    page.evaluate("document.getElementById('video').play()")
    wait_until(page, "document.getElementById('video').currentTime >= 3")
    with page.expect_response(lambda r: r.url.endswith(f"/items/{video.id}/progress")) as info:
        page.evaluate("document.getElementById('video').pause()")
    assert info.value.status == 200
    position = info.value.json()["position"]
    assert position >= 3 and info.value.json()["percent"] > 0
    wait_until(page, "document.getElementById('item-progress').value > 0")
    assert "% watched" in page.inner_text("#item-progress-text")

    page.reload()
    wait_until(page, "document.getElementById('video').currentTime > 0")
    resumed = page.evaluate("document.getElementById('video').currentTime")
    assert abs(resumed - position) < 0.5

    assert_accessible(page)

    tab_to_next_item(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/learn/{course.slug}/items/{reading.id}")
    assert page.inner_text("h1") == "Policy reading"
    assert csp_errors == []


def test_cues_seek_the_video_and_the_supplied_transcript_downloads(page, captioned_course):
    course, video, _reading, member = captioned_course
    log_in(page, member.email)
    page.goto(f"/learn/{course.slug}/items/{video.id}")
    wait_until(page, "document.getElementById('video').readyState >= 1")
    cues = page.locator(".cue")
    assert cues.count() == 2  # the captions' lines, although a transcript was supplied
    cues.nth(1).click()
    wait_until(page, "Math.abs(document.getElementById('video').currentTime - 3) < 0.5")

    link = page.get_by_role("link", name="Download the transcript")
    assert "plain text" in page.inner_text(".transcript-download")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "Cataloguing basics - Welcome recording (transcript).txt"
    with open(download.path(), encoding="utf-8") as handle:
        assert handle.read() == TRANSCRIPT + "\n"
    assert_accessible(page)
