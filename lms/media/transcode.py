"""Renditions of a video made by the system ffmpeg (Debian package ``ffmpeg``).

Pure file work, no Flask and no database: a source file in, a folder out with an
HLS ladder (H.264 + AAC, 6 s segments cut on keyframes forced every 2 s, so every
variant's segments start at the same instants), an audio-only HLS variant, an
``audio.m4a`` to download and a ``poster.jpg``. ffmpeg runs as a subprocess with
a time limit and reports how far it got through ``-progress``.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2
AUDIO_BITRATE = 64_000
#: Heights offered, with their video bitrates; a source only gets the rungs up to its
#: own height (never upscaled). The lowest fits a 400 kbit/s link with its audio.
LADDER = ((240, 150_000), (360, 600_000), (720, 2_200_000), (1080, 4_500_000))
AUDIO_CODECS = "mp4a.40.2"
MASTER = "master.m3u8"
PLAYLIST = "index.m3u8"
AUDIO_NAME = "audio"
AUDIO_FILE = "audio.m4a"
POSTER_FILE = "poster.jpg"


class TranscodeError(Exception):
    """The source could not be turned into renditions (bad file: not worth retrying)."""


class TranscodeTimeout(TranscodeError):
    """ffmpeg ran past its time limit (a busy machine: worth retrying)."""


@dataclass(frozen=True)
class SourceInfo:
    width: int
    height: int
    duration: float
    has_audio: bool


@dataclass(frozen=True)
class Variant:
    """One HLS variant: its folder name (``240p`` or ``audio``), size and bitrate."""

    name: str
    height: int | None
    width: int | None
    bitrate: int

    @property
    def kind(self) -> str:
        return "audio" if self.height is None else "hls"

    @property
    def codecs(self) -> str:
        if self.height is None:
            return AUDIO_CODECS
        return f"avc1.{_avc_profile_level(self.height)},{AUDIO_CODECS}"


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def probe(source: Path, timeout: float = 60) -> SourceInfo:
    """Size, duration and audio presence of a video. Raises TranscodeError."""
    command = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format",
               "-show_streams", str(source)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)  # noqa: S603 (our own arguments, no shell)
    except subprocess.TimeoutExpired as exc:
        raise TranscodeTimeout("ffprobe took too long") from exc
    if done.returncode != 0:
        raise TranscodeError(_last_line(done.stderr) or "ffprobe could not read the file")
    data = json.loads(done.stdout or b"{}")
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None or not video.get("width") or not video.get("height"):
        raise TranscodeError("the file has no video picture")
    duration = _float(data.get("format", {}).get("duration")) or _float(video.get("duration"))
    if not duration:
        raise TranscodeError("the file has no readable duration")
    width, height = int(video["width"]), int(video["height"])
    if str(video.get("tags", {}).get("rotate", "0")) in ("90", "270"):
        width, height = height, width
    return SourceInfo(width, height, duration,
                      any(s.get("codec_type") == "audio" for s in streams))


def ladder(info: SourceInfo) -> list[Variant]:
    """The video variants this source allows, lowest first, plus the audio-only one."""
    rungs = [(h, rate) for h, rate in LADDER if h <= info.height] or [(_even(info.height),
                                                                        LADDER[0][1])]
    variants = [Variant(f"{h}p", h, _even(info.width * h / info.height), rate)
                for h, rate in rungs]
    if info.has_audio:
        variants = [Variant(v.name, v.height, v.width, v.bitrate + AUDIO_BITRATE)
                    for v in variants]
        variants.append(Variant(AUDIO_NAME, None, None, AUDIO_BITRATE))
    return variants


def command(source: Path, out: Path, info: SourceInfo, variants: list[Variant],
            preset: str = "veryfast") -> list[str]:
    """The one ffmpeg run that writes every variant and the audio download."""
    videos = [v for v in variants if v.height is not None]
    split = "".join(f"[s{i}]" for i in range(len(videos)))
    scales = ";".join(f"[s{i}]scale={v.width}:{v.height}[v{i}]" for i, v in enumerate(videos))
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-progress", "pipe:1", "-nostats", "-i", str(source),
            "-filter_complex", f"[0:v]split={len(videos)}{split};{scales}"]
    stream_map = []
    for i, variant in enumerate(videos):
        args += ["-map", f"[v{i}]"]
        rate = variant.bitrate - (AUDIO_BITRATE if info.has_audio else 0)
        args += [f"-b:v:{i}", str(rate), f"-maxrate:v:{i}", str(int(rate * 1.2)),
                 f"-bufsize:v:{i}", str(rate * 2)]
        entry = f"v:{i}"
        if info.has_audio:
            args += ["-map", "0:a:0"]
            entry += f",a:{i}"
        stream_map.append(f"{entry},name:{variant.name}")
    if info.has_audio:
        args += ["-map", "0:a:0"]
        stream_map.append(f"a:{len(videos)},name:{AUDIO_NAME}")
    args += ["-c:v", "libx264", "-preset", preset, "-profile:v", "main", "-pix_fmt", "yuv420p",
             "-sc_threshold", "0", "-force_key_frames",
             f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
             "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ac", "2", "-ar", "44100",
             "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
             "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
             "-hls_segment_filename", str(out / "%v" / "seg_%04d.ts"),
             "-var_stream_map", " ".join(stream_map), str(out / "%v" / PLAYLIST)]
    if info.has_audio:
        args += ["-map", "0:a:0", "-vn", "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ac", "2",
                 "-movflags", "+faststart", str(out / AUDIO_FILE)]
    return args


def make_renditions(source: Path, out: Path, *, preset: str = "veryfast",
                    time_limit: float = 3600,
                    progress: Callable[[float], None] | None = None) -> tuple[SourceInfo,
                                                                              list[Variant]]:
    """Write every rendition of ``source`` into the empty folder ``out``.

    ``progress`` gets the fraction done (0..1) at most every second. Raises
    TranscodeError (the file cannot be transcoded) or TranscodeTimeout.
    """
    info = probe(source)
    variants = ladder(info)
    for variant in variants:
        (out / variant.name).mkdir(parents=True, exist_ok=True)
    _run(command(source, out, info, variants, preset), info.duration, time_limit, progress)
    poster(source, out / POSTER_FILE, at=min(info.duration / 10, 5.0))
    for variant in variants:
        _check_complete(out / variant.name / PLAYLIST, info.duration)
    return info, variants


def _check_complete(playlist: Path, duration: float) -> None:
    """A variant must cover nearly all of the source: a damaged file yields a stub."""
    if not playlist.is_file():
        raise TranscodeError(f"ffmpeg wrote no {playlist.parent.name} playlist")
    listed = sum(_float(line.removeprefix("#EXTINF:").split(",", 1)[0]) or 0
                 for line in playlist.read_text().splitlines() if line.startswith("#EXTINF:"))
    if listed < duration - max(2.0, duration * 0.05):
        raise TranscodeError(f"only {listed:.0f} s of {duration:.0f} s could be decoded; "
                             "the file is damaged")


def poster(source: Path, target: Path, at: float, timeout: float = 60) -> None:
    """One frame, at most 720 pixels high, as a JPEG (a failure leaves no poster)."""
    args = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-ss", f"{at:.2f}",
            "-i", str(source), "-frames:v", "1", "-vf", "scale=-2:'min(720,ih)'", "-q:v", "4",
            str(target)]
    try:
        subprocess.run(args, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        target.unlink(missing_ok=True)


def _run(args: list[str], duration: float, time_limit: float,
         progress: Callable[[float], None] | None) -> None:
    """Run ffmpeg, reading its ``-progress`` lines; kill it past ``time_limit``.

    Its error output goes to a file, not a pipe: a broken file can make ffmpeg
    write more complaints than a pipe holds, and it would then wait forever.
    """
    deadline = time.monotonic() + time_limit
    last_report = 0.0
    with tempfile.TemporaryFile() as errors:
        # In the worker's process group: a worker killed mid-job takes its ffmpeg with it.
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors)  # noqa: S603
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                if time.monotonic() > deadline:
                    raise TranscodeTimeout(f"ffmpeg ran longer than {time_limit:.0f} s")
                key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and progress and time.monotonic() - last_report >= 1:
                    last_report = time.monotonic()
                    seconds = (_float(value) or 0) / 1_000_000
                    progress(min(max(seconds / duration, 0.0), 0.99))
            returncode = process.wait(max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired as exc:
            raise TranscodeTimeout(f"ffmpeg ran longer than {time_limit:.0f} s") from exc
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()
        errors.seek(0)
        stderr = errors.read()
    if returncode != 0:
        raise TranscodeError(_last_line(stderr) or f"ffmpeg stopped with code {returncode}")


def _avc_profile_level(height: int) -> str:
    """RFC 6381 codec id of H.264 Main at the level x264 picks for the height."""
    return "4d401f" if height <= 720 else "4d4028"


def _even(value: float) -> int:
    return max(2, math.floor(value / 2) * 2)


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()
             if line.strip()]
    return lines[-1][:300] if lines else ""
