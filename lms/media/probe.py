"""What a file is: allowed types, magic bytes, and the duration of audio and video.

Pure functions (bytes and names in, answers out) plus ``read_duration``, which
asks PyAV (the FFmpeg libraries bundled in its wheel, so no system ffmpeg is
needed) to open a file object or an HTTP URL. No Flask, no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

import av

from lms.media import captions, srt, webvtt

#: Bytes read from the start of a file to recognise it.
HEAD_BYTES = 64 * 1024
SRT = "application/x-subrip"
VTT = "text/vtt"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ZIP = "application/zip"
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


@dataclass(frozen=True)
class FileType:
    content_type: str
    #: The MediaAsset kind: video, audio, captions, pdf, slides, image or package
    #: (a SCORM or cmi5 ZIP, checked and unpacked when an item uses it).
    kind: str
    extensions: tuple[str, ...]

    @property
    def timed(self) -> bool:
        """Audio and video have a duration worth reading."""
        return self.kind in ("video", "audio")


TYPES = {
    t.content_type: t
    for t in (
        FileType("video/mp4", "video", (".mp4", ".m4v")),
        FileType("video/webm", "video", (".webm",)),
        FileType("audio/mpeg", "audio", (".mp3",)),
        FileType("audio/mp4", "audio", (".m4a",)),
        FileType("application/pdf", "pdf", (".pdf",)),
        FileType(PPTX, "slides", (".pptx",)),
        FileType(VTT, "captions", (".vtt",)),
        FileType(SRT, "captions", (".srt",)),
        FileType("image/png", "image", (".png",)),
        FileType("image/jpeg", "image", (".jpg", ".jpeg")),
        FileType(ZIP, "package", (".zip",)),
    )
}
#: Other names browsers and tools give the same types.
ALIASES = {
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "text/srt": SRT,
    "application/srt": SRT,
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-zip-compressed": ZIP,
    "application/x-zip": ZIP,
}
BY_EXTENSION = {ext: t for t in TYPES.values() for ext in t.extensions}



class ProbeError(Exception):
    """The file could not be read as the audio or video it claims to be."""


def resolve_type(filename: str, claimed: str | None) -> FileType | None:
    """The allowed type of an upload, or None when it is not one we accept.

    A generic or missing claim (browsers send none for .srt, .vtt, .m4a) falls
    back to the file name's extension; a specific claim is taken as it is.
    """
    name = (claimed or "").split(";", 1)[0].strip().lower()
    name = ALIASES.get(name, name)
    if name in GENERIC_TYPES:
        return BY_EXTENSION.get(PurePosixPath(filename.lower()).suffix)
    return TYPES.get(name)


def matches(content_type: str, head: bytes) -> bool:
    """True when the first bytes of a file look like ``content_type``."""
    check = _CHECKS.get(content_type)
    return bool(head) and check is not None and check(head)


def _iso_media(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp"


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _pptx(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in head


def _vtt(head: bytes) -> bool:
    """The WebVTT signature, checked by the same reader that shows transcripts."""
    return webvtt.has_signature(head.decode("utf-8", errors="replace"))


def _srt(head: bytes) -> bool:
    """A first cue, found by the same reader that converts the file (cue number optional)."""
    return srt.looks_like_srt(captions.decode_text(head))


_CHECKS = {
    "video/mp4": _iso_media,
    "audio/mp4": _iso_media,
    "video/webm": lambda head: head.startswith(b"\x1a\x45\xdf\xa3"),
    "audio/mpeg": _mp3,
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
    PPTX: _pptx,
    VTT: _vtt,
    SRT: _srt,
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    ZIP: lambda head: head.startswith(b"PK\x03\x04"),
}


def read_duration(source: str | BinaryIO, timeout: float = 15.0) -> float:
    """Seconds of audio or video in a seekable file object or an HTTP(S) URL.

    Raises ProbeError when PyAV cannot open the file or finds no duration.
    """
    try:
        with av.open(source, mode="r", timeout=timeout) as container:
            seconds = _container_seconds(container)
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise ProbeError(f"the file could not be read as audio or video ({exc})") from exc
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise ProbeError("the file has no readable duration")
    return round(seconds, 3)


def _container_seconds(container: av.container.InputContainer) -> float | None:
    if container.duration is not None:
        return container.duration / av.time_base
    durations = [
        float(stream.duration * stream.time_base)
        for stream in container.streams
        if stream.duration is not None and stream.time_base is not None
    ]
    return max(durations, default=None)
