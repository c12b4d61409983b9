"""Pure checks: allowed types, magic bytes, SRT to WebVTT."""

from __future__ import annotations

import io
import zipfile

import pytest

from lms.media.captions import decode_text, srt_to_vtt
from lms.media.probe import PPTX, SRT, ProbeError, matches, read_duration, resolve_type
from tests.media.uploads import ELF, make_video


def pptx_head() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
    return buffer.getvalue()


def docx_like_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("video/mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"),
        ("audio/mp4", b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00"),
        ("video/webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"),
        ("audio/mpeg", b"ID3\x04\x00\x00\x00\x00\x00\x00"),
        ("audio/mpeg", b"\xff\xfb\x90\x64\x00"),
        ("application/pdf", b"%PDF-1.4\n"),
        (PPTX, pptx_head()),
        ("text/vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi"),
        ("text/vtt", b"\xef\xbb\xbfWEBVTT - title\n"),
        (SRT, b"1\n00:00:01,000 --> 00:00:02,000\nHi\n"),
        (SRT, b"00:00:01,000 --> 00:00:02,000\nHi\n"),
        (SRT, b"\xef\xbb\xbf\r\n1\r00:00:01.5 --> 00:00:02.000 X1:10\rHi\r"),
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    ],
)
def test_real_headers_match(content_type, head):
    assert matches(content_type, head)


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("video/mp4", ELF),
        ("audio/mpeg", ELF),
        ("application/pdf", b"MZ\x90\x00"),
        (PPTX, docx_like_zip()),
        ("text/vtt", b"WEBVTTX"),
        ("text/vtt", b"<script>alert(1)</script>"),
        (SRT, b"<html>"),
        (SRT, b"<html>\n1\n00:00:01,000 --> 00:00:02,000\nHi\n"),
        ("image/png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("video/mp4", b""),
        ("text/html", b"<html>"),
    ],
)
def test_other_bytes_do_not_match(content_type, head):
    assert not matches(content_type, head)


@pytest.mark.parametrize(
    ("filename", "claimed", "expected"),
    [
        ("talk.mp4", "video/mp4", "video/mp4"),
        ("talk.MP3", "audio/mp3", "audio/mpeg"),
        ("talk.m4a", "audio/x-m4a", "audio/mp4"),
        ("subs.srt", "", SRT),
        ("subs.vtt", "application/octet-stream", "text/vtt"),
        ("logo.jpg", "image/jpeg; charset=binary", "image/jpeg"),
        ("deck.pptx", None, PPTX),
        ("page.html", "text/html", None),
        ("logo.svg", "image/svg+xml", None),
        ("tool.exe", "", None),
        ("talk.mp4", "application/x-msdownload", None),
    ],
)
def test_resolve_type(filename, claimed, expected):
    resolved = resolve_type(filename, claimed)
    assert (resolved.content_type if resolved else None) == expected


def test_srt_to_vtt_handles_numbers_bom_crlf_and_short_millis():
    srt = (
        "\ufeff1\r\n0:00:01,5 --> 0:00:02,25 X1:10\r\nOne\r\nline two\r\n\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,000\r\nsay --> this\r\n"
    )

    assert srt_to_vtt(srt) == (
        "WEBVTT\n\n00:00:01.500 --> 00:00:02.250\nOne\nline two\n\n"
        "00:00:03.000 --> 00:00:04.000\nsay --&gt; this\n"  # shown as "say --> this"
    )


def test_srt_blocks_without_timing_are_dropped():
    assert srt_to_vtt("garbage\n\n") == "WEBVTT\n\n"


def test_decode_text_falls_back_to_windows_1252():
    assert decode_text("café".encode("cp1252")) == "café"
    assert decode_text("\ufeffcafé".encode()) == "café"


def test_read_duration_of_a_real_video_and_of_junk():
    assert read_duration(io.BytesIO(make_video(1.0))) == pytest.approx(1.0, abs=0.15)
    with pytest.raises(ProbeError):
        read_duration(io.BytesIO(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 1000))
