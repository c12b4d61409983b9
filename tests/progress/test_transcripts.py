"""A video's transcript: click-to-seek lines from its captions, the text as a download.

A supplied transcript (a course package's ``transcript`` file, or the studio's
field) is offered as a plain-text download; it never replaces the cue list the
captions give. Only without captions is its text shown on the page. Without a
supplied transcript, the download is made from the captions.
"""

from __future__ import annotations

import io
import re

import pytest

from lms import ROOT
from lms.catalog.models import Caption, Item
from lms.extensions import db
from lms.storage import get_storage, new_key
from tests.factories import (
    Auth,
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)
from tests.media.conftest import backend  # noqa: F401  (the local and S3 stores, per test)

VTT = ("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nWelcome to the course.\n\n"
       "00:00:03.000 --> 00:00:08.000\nLet's look at cataloguing.\n")
TRANSCRIPT = "Welcome, everyone, to the course.\n\nToday: cataloguing, in plain words — café."
CUE = re.compile(r'<button type="button" class="cue" data-start="[\d.]+">')
LINK = re.compile(r'<a href="(/api/v1/items/\d+/transcript\.txt)" download>'
                  r"Download the transcript</a> \(plain text, ([\d.]+ (?:bytes|KiB))\)")


def captions_for(item: Item, text: str = VTT) -> None:
    """Store ``text`` as the item's English captions in the app's current store."""
    key = new_key()
    get_storage().save(key, io.BytesIO(text.encode()), "text/vtt")
    media = make_media(storage_key=key, content_type="text/vtt", kind="captions",
                       size=len(text), original_name="captions.vtt", duration_seconds=None)
    db.session.add(Caption(item_id=item.id, media_id=media.id, language="en", label="English"))
    db.session.commit()


@pytest.fixture
def course(app_ctx):
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], title="Cataloguing basics")
    module = make_module(course, title="Getting started")
    video = make_item(module, kind="video", title="Welcome recording", body="",
                      media=make_media(), transcript=TRANSCRIPT)
    member = make_user()
    enrol(member, course)
    return course, video, member, instructor


def player_html(client, course, item, email: str) -> str:
    Auth(client).login(email)
    response = client.get(f"/learn/{course.slug}/items/{item.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def downloaded(client, url: str) -> str:
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        return response.get_data(as_text=True)


def test_captions_give_the_cue_list_and_the_transcript_is_a_download(client, course, backend):  # noqa: F811
    course, video, member, _ = course
    captions_for(video)
    html = player_html(client, course, video, member.email)
    assert len(CUE.findall(html)) == 2
    assert "Welcome, everyone, to the course." not in html  # not shown in place of the cues
    link = LINK.search(html)
    assert link and link.group(2) == f"{len(TRANSCRIPT.encode()) + 1} bytes"
    assert downloaded(client, link.group(1)) == TRANSCRIPT + "\n"


def test_without_captions_the_transcript_is_shown_and_offered(client, course):
    course, video, member, _ = course
    html = player_html(client, course, video, member.email)
    assert not CUE.search(html)
    assert "<p>Welcome, everyone, to the course.</p>" in html
    assert LINK.search(html)


def test_without_a_supplied_transcript_the_download_is_made_from_the_captions(client, course,
                                                                              backend):  # noqa: F811
    course, video, member, _ = course
    video.transcript = ""
    captions_for(video)
    html = player_html(client, course, video, member.email)
    assert len(CUE.findall(html)) == 2
    link = LINK.search(html)
    assert link and downloaded(client, link.group(1)) == (
        "[0:00] Welcome to the course.\n[0:03] Let's look at cataloguing.\n")


def test_nothing_to_read_offers_no_transcript(client, course):
    course, video, member, _ = course
    video.transcript = ""
    db.session.commit()
    html = player_html(client, course, video, member.email)
    assert "transcript.txt" not in html and 'class="transcript"' not in html
    with client.get(f"/api/v1/items/{video.id}/transcript.txt") as response:
        assert response.status_code == 404


@pytest.mark.parametrize("folder", sorted(p.name for p in (ROOT / "courses").iterdir()
                                          if (p / "course.toml").exists()))
def test_demo_courses_show_cues_and_offer_their_transcripts(client, app_ctx, folder):
    """Each shipped course's videos, as a member meets them in order (readings done first)."""
    from lms.packages.service import import_course_folder

    course = import_course_folder(make_user(role="instructor"), ROOT / "courses" / folder)
    db.session.commit()
    member = make_user()
    enrol(member, course)
    auth = Auth(client)
    auth.login(member.email)
    items = [item for module in course.modules for item in module.items]
    videos = [item for item in items if item.kind == "video"]
    assert videos and any(video.transcript for video in videos)
    for item in items[:items.index(videos[-1]) + 1]:
        url = f"/learn/{course.slug}/items/{item.id}"
        if item.kind == "reading":
            assert auth.post(f"{url}/done").status_code == 302
        elif item.kind == "video":
            html = client.get(url).get_data(as_text=True)
            assert CUE.search(html), f"{item.title}: no click-to-seek lines"
            link = LINK.search(html)
            assert link, f"{item.title}: no transcript offered"
            assert downloaded(client, link.group(1)) == item.transcript.strip("\n") + "\n"


@pytest.mark.parametrize(("who", "status"), [
    ("enrolled", 200), ("instructor", 200), ("admin", 200), ("member", 403), ("anonymous", 401)])
@pytest.mark.parametrize("by", ["session", "token"])
def test_who_may_download_the_transcript(client, course, who, status, by):
    course, video, member, instructor = course
    users = {"enrolled": member, "instructor": instructor, "admin": make_user(role="admin"),
             "member": make_user()}
    headers = {}
    if who in users and by == "session":
        Auth(client).login(users[who].email)
    elif who in users:
        headers = api_headers(users[who])
    with client.get(f"/api/v1/items/{video.id}/transcript.txt", headers=headers) as response:
        assert response.status_code == status
        if status != 200:
            assert response.mimetype == "application/problem+json"
            assert "Welcome, everyone" not in response.get_data(as_text=True)
            return
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.get_data(as_text=True) == TRANSCRIPT + "\n"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "Cataloguing basics - Welcome recording (transcript).txt" in disposition
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert "sandbox" in response.headers["Content-Security-Policy"]


def test_no_transcript_for_other_kinds_missing_items_or_drafts(client, course):
    course, video, member, instructor = course
    reading = make_item(video.module, kind="reading", title="Read me")
    draft = make_course(status="draft", instructors=[instructor])
    draft_video = make_item(make_module(draft), kind="video", media=make_media(),
                            transcript="Secret draft words.")
    headers = api_headers(member)
    for item_id in (reading.id, draft_video.id, 999999):
        with client.get(f"/api/v1/items/{item_id}/transcript.txt", headers=headers) as response:
            assert response.status_code == 404, item_id
