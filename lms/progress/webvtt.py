"""A small WebVTT reader (pure): cues with start, end and text, for transcripts."""

from __future__ import annotations

import re
from dataclasses import dataclass

TIMING = re.compile(
    r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
TAG = re.compile(r"<[^>]*>")
MAX_CUES = 5000


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str

    @property
    def label(self) -> str:
        """``m:ss`` (or ``h:mm:ss``) of the cue's start, for the transcript."""
        total = int(self.start)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def timestamp(text: str) -> float:
    parts = text.replace(",", ".").split(":")
    seconds = float(parts[-1])
    for index, part in enumerate(reversed(parts[:-1]), start=1):
        seconds += int(part) * 60**index
    return seconds


def parse(text: str) -> list[Cue]:
    """Cues of a WebVTT document; tags are dropped, NOTE/STYLE blocks and bad blocks skipped."""
    cues = []
    for block in re.split(r"\r?\n\s*\r?\n", text.replace("\ufeff", "")):
        lines = block.strip().splitlines()
        timing_at = next((i for i, line in enumerate(lines[:2]) if TIMING.match(line)), None)
        if timing_at is None:
            continue
        match = TIMING.match(lines[timing_at])
        words = " ".join(TAG.sub("", line).strip() for line in lines[timing_at + 1:]).strip()
        if words:
            cues.append(Cue(timestamp(match.group(1)), timestamp(match.group(2)), words))
        if len(cues) >= MAX_CUES:
            break
    return cues
