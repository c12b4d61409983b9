"""Caption files from other tools, uploaded as an instructor does: every SubRip file the
converter can read is accepted (cue numbers or not, any line ends), and what is stored
is the WebVTT those cues make."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.media import srt, webvtt
from lms.media.captions import decode_text
from tests.media.uploads import content_bytes, simple_upload, upload

SRT_FILES = sorted((Path(__file__).parent / "data" / "srt").glob("*.srt"))
UNNUMBERED = "00:00:01,000 --> 00:00:02,500\nFirst\n\n00:00:03,000 --> 00:00:04,000\nSecond\n"


def variants() -> list[tuple[str, bytes]]:
    found = [(path.name, path.read_bytes()) for path in SRT_FILES]
    for name, newline in (("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")):
        found.append((f"unnumbered, {name}", UNNUMBERED.replace("\n", newline).encode()))
        found.append((f"unnumbered, {name}, BOM",
                      UNNUMBERED.replace("\n", newline).encode("utf-8-sig")))
    found.append(("unnumbered, Windows-1252", "00:00:01,000 --> 00:00:02,000\nCafé\n"
                  .encode("cp1252")))
    found.append(("unnumbered, UTF-16", UNNUMBERED.encode("utf-16")))
    return found


@pytest.mark.parametrize(("name", "data"), variants(), ids=[name for name, _ in variants()])
def test_every_readable_srt_is_accepted_and_stored_as_its_cues(client, backend, teacher,
                                                               name, data):
    response = simple_upload(client, teacher, data, "talk.srt", "")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == "text/vtt"
    stored = content_bytes(client, teacher, response.get_json()["id"]).decode("utf-8")
    expected = srt.read_srt(decode_text(data))
    assert expected
    assert webvtt.parse(stored) == expected


def test_an_unnumbered_srt_is_accepted_after_a_multipart_upload(client, backend, teacher):
    done = upload(client, teacher, UNNUMBERED.replace("\n", "\r").encode(), "talk.srt",
                  "application/x-subrip")
    assert done.status_code == 200, done.get_json()
    stored = content_bytes(client, teacher, done.get_json()["id"]).decode()
    assert [c.words for c in webvtt.parse(stored)] == ["First", "Second"]


@pytest.mark.parametrize("data", [b"<html><body>1</body></html>", b"WEBVTT\n\n",
                                  b"Just some notes\n00:00:01,000 --> 00:00:02,000\n"])
def test_what_is_not_srt_is_still_refused(client, backend, teacher, data):
    assert simple_upload(client, teacher, data, "talk.srt", "").status_code == 415


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_webvtt_with_any_line_ends_is_accepted_as_it_is(client, backend, teacher, newline):
    data = "\ufeffWEBVTT\n\n00:01.000 --> 00:02.000\nHi\n".replace("\n", newline).encode()
    response = simple_upload(client, teacher, data, "talk.vtt", "")
    assert response.status_code == 201, response.get_json()
    assert content_bytes(client, teacher, response.get_json()["id"]) == data
