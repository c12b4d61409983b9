"""SubRip (.srt) captions to WebVTT, the only captions format browsers play. Pure."""

from __future__ import annotations

import re

_TIMING = re.compile(
    r"^\s*(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->\s*(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})"
)
_BLANK_LINES = re.compile(r"\n\s*\n")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) as most tools write it, else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def srt_to_vtt(text: str) -> str:
    """Convert SubRip text to WebVTT: a header, dots in timestamps, no cue numbers.

    Cue text is kept as it is; a cue text line holding ``-->`` (illegal in
    WebVTT) has the arrow replaced. Blocks without a timing line are dropped.
    """
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    cues = [cue for block in _BLANK_LINES.split(normalised) if (cue := _cue(block))]
    return "WEBVTT\n\n" + "\n\n".join(cues) + ("\n" if cues else "")


def _cue(block: str) -> str | None:
    lines = [line for line in block.strip("\n").split("\n")]
    for index, line in enumerate(lines[:2]):
        match = _TIMING.match(line)
        if match:
            body = [text.replace("-->", "→") for text in lines[index + 1 :]]
            return "\n".join([_timing(match), *body])
    return None


def _timing(match: re.Match[str]) -> str:
    g = match.groups()
    start = f"{int(g[0]):02d}:{g[1]}:{g[2]}.{g[3].ljust(3, '0')}"
    end = f"{int(g[4]):02d}:{g[5]}:{g[6]}.{g[7].ljust(3, '0')}"
    return f"{start} --> {end}"
