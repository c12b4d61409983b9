"""The ladder a source allows (never upscaled), and a silent video still transcodes."""

from __future__ import annotations

from lms.media import transcode
from lms.media.transcode import SourceInfo
from tests.media.uploads import make_video
from tests.media.videos import needs_ffmpeg


def names(info: SourceInfo) -> list[str]:
    return [variant.name for variant in transcode.ladder(info)]


def test_the_ladder_stops_at_the_source_height_and_keeps_its_shape():
    assert names(SourceInfo(426, 240, 60, True)) == ["240p", "audio"]
    assert names(SourceInfo(1280, 720, 60, True)) == ["240p", "360p", "720p", "audio"]
    assert names(SourceInfo(1920, 1080, 60, True)) == ["240p", "360p", "720p", "1080p", "audio"]
    assert names(SourceInfo(1920, 1080, 60, False)) == ["240p", "360p", "720p", "1080p"]
    widths = [v.width for v in transcode.ladder(SourceInfo(1440, 1080, 60, False))]
    assert widths == [320, 480, 960, 1440]  # 4:3 stays 4:3, even widths


@needs_ffmpeg
def test_a_tiny_silent_video_gets_one_rung_at_its_own_size(tmp_path):
    source = tmp_path / "tiny.mp4"
    source.write_bytes(make_video(3.0, "mp4"))
    out = tmp_path / "out"
    out.mkdir()

    info, variants = transcode.make_renditions(source, out, preset="ultrafast")

    assert (info.height, info.has_audio) == (48, False)
    assert [(v.name, v.width, v.height) for v in variants] == [("48p", 64, 48)]
    assert (out / "48p" / "index.m3u8").is_file() and not (out / "audio.m4a").exists()
