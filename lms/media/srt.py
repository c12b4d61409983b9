"""SubRip (.srt) captions read into WebVTT cues. Pure.

SubRip has no specification; this follows what players (VLC, MPC-HC) and subtitle
libraries accept: a BOM, CRLF, LF or CR line ends, an optional cue number before each
``hh:mm:ss,mmm --> hh:mm:ss,mmm`` timing line (comma or dot before the milliseconds,
one to three digits of them, coordinates such as ``X1:100`` after it ignored), cue
text up to the next cue (blank lines inside it dropped), ``<b> <i> <u>`` kept,
``<font ...>`` and other tags dropped with their text kept, ``{\\an1}``..``{\\an9}``
placed as WebVTT cue settings, other ``{\\...}`` override codes dropped, ``\\N`` a line
break and ``\\h`` a no-break space. The same reader decides whether an upload is SRT
(`looks_like_srt`) and converts it (`lms.media.captions.srt_to_vtt`), so the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lms.media import webvtt

_TIME = r"(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?"
_TIMING = re.compile(rf"[ \t]*{_TIME}[ \t]*-->[ \t]*{_TIME}(?:[ \t].*)?")
_INDEX = re.compile(r"[ \t]*\d+[ \t]*")
_KEPT_TAG = re.compile(r"<(/?)([biu])[ \t]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_OVERRIDE = re.compile(r"\{(?:\\[^{}]*|Y:[^{}]*)\}")
_POSITION = re.compile(r"\{\\an([1-9])\}")
#: ``{\anN}`` is a numeric-keypad position: 7 8 9 at the top, 1 2 3 at the bottom.
_PLACES = {"7": "line:0", "8": "line:0", "9": "line:0",
           "4": "line:50%,center", "5": "line:50%,center", "6": "line:50%,center"}
_SIDES = {"1": "align:left", "4": "align:left", "7": "align:left",
          "3": "align:right", "6": "align:right", "9": "align:right"}


def _lines(text: str) -> list[str]:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _timing(line: str) -> tuple[float, float] | None:
    match = _TIMING.fullmatch(line)
    if match is None:
        return None
    groups = match.groups()
    if any(int(part) > 59 for part in (groups[1], groups[2], groups[5], groups[6])):
        return None
    return _seconds(groups[:4]), _seconds(groups[4:])


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, fraction = parts
    millis = int((fraction or "0").ljust(3, "0"))
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0) + millis / 1000


def _starts_cue(lines: list[str], index: int,
                timing_at: Callable[[int], tuple[float, float] | None]) -> bool:
    """A timing line, or a cue number right before one."""
    if timing_at(index) is not None:
        return True
    return (index + 1 < len(lines) and bool(_INDEX.fullmatch(lines[index]))
            and timing_at(index + 1) is not None)


def looks_like_srt(text: str) -> bool:
    """True when the first line that is not blank starts a cue (the upload check)."""
    lines = _lines(text)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    return first is not None and _starts_cue(lines, first, lambda i: _timing(lines[i]))


def read_srt(text: str) -> list[webvtt.Cue]:
    """The cues of a SubRip file, their text written as WebVTT cue text."""
    lines = _lines(text)
    timings = [_timing(line) if "-->" in line else None for line in lines]
    cues: list[tuple[tuple[float, float], list[str]]] = []
    for index, line in enumerate(lines):
        timing = timings[index]
        if timing is not None:
            if len(cues) == webvtt.MAX_CUES:
                break
            cues.append((timing, []))
        elif cues and line.strip() and not _starts_cue(lines, index, timings.__getitem__):
            cues[-1][1].append(line.strip())
    return [_cue(start, end, body) for (start, end), body in cues]


def _cue(start: float, end: float, body: list[str]) -> webvtt.Cue:
    text = "\n".join(body)
    place = _POSITION.search(text)
    settings = {}
    if place:
        for setting in (_PLACES.get(place.group(1)), _SIDES.get(place.group(1))):
            if setting:
                name, value = setting.split(":", 1)
                settings[name] = value
    return webvtt.Cue(start, end, _cue_text(text), settings=settings)


def _cue_text(text: str) -> str:
    """SubRip text as WebVTT cue text: only b, i and u tags kept, all else escaped."""
    text = _OVERRIDE.sub("", text).replace("\\N", "\n").replace("\\h", "\u00a0")
    pieces, position = [], 0
    for tag in _KEPT_TAG.finditer(text):
        pieces.append(_plain(text[position:tag.start()]))
        pieces.append(f"<{tag.group(1)}{tag.group(2).lower()}>")
        position = tag.end()
    pieces.append(_plain(text[position:]))
    lines = [line.strip() for line in "".join(pieces).split("\n")]
    return "\n".join(line for line in lines if line)


def _plain(text: str) -> str:
    return webvtt.escape_text(_ANY_TAG.sub("", text)).replace("\u00a0", "&nbsp;")
