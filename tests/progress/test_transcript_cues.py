"""The transcript beside a video, as a member sees it: one clickable line per caption
cue, whatever line ends the captions file uses, with tags gone and references decoded."""

from __future__ import annotations

import io
import re

import pytest

from lms.catalog.models import Caption
from lms.extensions import db
from lms.storage import get_storage, new_key
from tests.factories import make_media

CUES = ("\ufeffWEBVTT Kind: captions\n\nNOTE made by a captioning service\n\n"
        "intro\n00:00:01.000 --> 00:00:04.000 align:start line:0\n<v Ana>Welcome to the\n"
        "<b>course</b></v>\n\n00:01:02.250 --> 00:01:04.000\n"
        "Tom &amp; Jerry &lt;3 <c.yellow>cataloguing</c>\n\n"
        "01:00:00.000 --> 01:00:01.000\nThe <00:00:00.500>end\n")


def with_captions(item, text: str) -> None:
    key = new_key()
    data = text.encode("utf-8")
    get_storage().save(key, io.BytesIO(data), "text/vtt")
    media = make_media(storage_key=key, content_type="text/vtt", kind="captions",
                       size=len(data), original_name="talk.vtt", duration_seconds=None)
    db.session.add(Caption(item_id=item.id, media_id=media.id, language="en", label="English"))
    db.session.commit()


def transcript_lines(html: str) -> list[str]:
    buttons = re.findall(r'<button type="button" class="cue"[^>]*>(.*?)</button>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", b).split()) for b in buttons]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_cue_is_its_own_line_whatever_the_line_ends(client, auth, setup, newline):
    with_captions(setup.video, CUES.replace("\n", newline))
    auth.login(setup.member.email)
    page = client.get(f"/learn/{setup.course.slug}/items/{setup.video.id}")
    assert page.status_code == 200
    assert transcript_lines(page.get_data(as_text=True)) == [
        "0:01 Ana: Welcome to the course",
        "1:02 Tom &amp; Jerry &lt;3 cataloguing",
        "1:00:00 The end",
    ]
