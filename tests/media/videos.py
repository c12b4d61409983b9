"""Test videos made by the system ffmpeg (testsrc picture, sine sound), and HLS checks."""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

import av
import m3u8
import pytest

from lms.media import transcode

needs_ffmpeg = pytest.mark.skipif(not transcode.ffmpeg_available(),
                                  reason="needs the system ffmpeg (Debian package ffmpeg)")


def make_source(target: Path, width: int, height: int, seconds: float = 60,
                fps: int = 10) -> Path:
    """An H.264/AAC MP4 with a moving test picture and a tone; cheap to make (ultrafast)."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate={fps}",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "35",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart",
         str(target)], check=True, timeout=120)
    return target


@functools.cache
def video_60s() -> bytes:
    """One 60 s 640x360 video per test process (its ladder: 240p and 360p)."""
    with tempfile.TemporaryDirectory() as folder:
        return make_source(Path(folder) / "talk.mp4", 640, 360).read_bytes()


def segment_seconds(data: bytes) -> float:
    """Decode every frame of a segment; return its duration (video or audio alone)."""
    import io

    with av.open(io.BytesIO(data), format="mpegts") as container:
        streams = container.streams
        stream = streams.video[0] if streams.video else streams.audio[0]
        first = last = None
        frames = 0
        for frame in container.decode(stream):
            frames += 1
            if frame.time is not None:
                first = frame.time if first is None else min(first, frame.time)
                end = frame.time + (float(frame.duration * frame.time_base)
                                    if frame.duration else 0)
                last = end if last is None else max(last, end)
    assert frames > 0, "a segment decodes to no frames"
    return (last or 0) - (first or 0)


def parse(text: str, uri: str = "") -> m3u8.M3U8:
    playlist = m3u8.loads(text, uri=uri)
    assert text.startswith("#EXTM3U")
    return playlist
