"""Caption files as uploaded: their encoding, and SubRip (.srt) turned into WebVTT, the
only captions format browsers play. Pure; reading is `lms.media.srt` and `lms.media.webvtt`."""

from __future__ import annotations

from lms.media import srt, webvtt


def decode_text(data: bytes) -> str:
    """UTF-16 with its BOM, UTF-8 (with or without BOM) as most tools write it, else
    Windows-1252 (older subtitle editors)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def srt_to_vtt(text: str) -> str:
    """Convert SubRip text to WebVTT: a header, dots in timestamps, no cue numbers, the cue
    text escaped where SubRip and WebVTT differ (``&``, ``<``, ``-->``)."""
    return webvtt.write(srt.read_srt(text))
