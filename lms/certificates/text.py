"""Text on certificate pages: embedded fonts by script, right-to-left order, fitting.

Every font is embedded from ``static/fonts``. Text is split into runs by the
first font that has its glyphs (DejaVu Sans, then Droid Sans Fallback for
Chinese and Japanese, then NanumSquare for Korean), and each run is drawn in
its own font. Right-to-left runs get a minimal visual reordering (enough for
Hebrew; Arabic comes out unjoined — see :mod:`lms.certificates.pdf`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
#: Tried in order for characters the primary font lacks.
FALLBACKS = ("DroidSansFallbackFull", "NanumSquareR")

@functools.cache
def load_font(name: str) -> TTFont:
    """Load and register a vendored font on first use (the CJK ones take ~60 ms)."""
    font = TTFont(name, str(FONT_DIR / f"{name}.ttf"))
    pdfmetrics.registerFont(font)
    return font


def load_fonts() -> None:
    """Load every font a certificate may use (what a worker does as it starts)."""
    for name in (REGULAR, BOLD, *FALLBACKS):
        load_font(name)


@functools.lru_cache(maxsize=8192)
def font_for(char: str, primary: str) -> str:
    for name in (primary, *FALLBACKS):
        if ord(char) in load_font(name).face.charToGlyph:
            return name
    return primary


def script_runs(text: str, primary: str) -> list[tuple[str, str]]:
    """Split ``text`` into (font name, text) runs; spaces stay in the current run."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = runs[-1][0] if runs and char.isspace() else font_for(char, primary)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def text_width(text: str, primary: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in script_runs(text, primary))


_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_NEUTRAL = r"\s\-'\u2019.,"
_RTL_RUN = re.compile(f"[{_RTL}]+(?:[{_NEUTRAL}]+[{_RTL}]+)*")
_LTR_RUN = re.compile(f"[^{_RTL}{_NEUTRAL}]+(?:[{_NEUTRAL}]+[^{_RTL}{_NEUTRAL}]+)*")
_LETTER = re.compile(r"[^\W\d_]")


def visual(text: str) -> str:
    """Reorder one line of logical text into left-to-right drawing order."""
    if not re.search(f"[{_RTL}]", text):
        return text
    first = _LETTER.search(text)
    if first and re.match(f"[{_RTL}]", first.group()):
        return _LTR_RUN.sub(lambda m: m.group()[::-1], text[::-1])
    return _RTL_RUN.sub(lambda m: m.group()[::-1], text)


def draw_text(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    align: Literal["left", "center", "right"] = "center",
) -> None:
    runs = script_runs(visual(text), font)
    width = sum(pdfmetrics.stringWidth(run, name, size) for name, run in runs)
    line = canvas.beginText(x - {"left": 0, "center": width / 2, "right": width}[align], y)
    for name, run in runs:
        line.setFont(name, size)
        line.textOut(run)
    canvas.drawText(line)


def draw_fitted(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    max_width: float,
    align: Literal["left", "center", "right"] = "center",
) -> None:
    """Draw one line, shrunk (never wrapped) to fit ``max_width``; width scales with size."""
    width = text_width(text, font, size)
    fitted = min(size, size * max_width / width) if width else size
    draw_text(canvas, text, x, y, font, fitted, align)


def wrap(text: str, font: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap; a word too long for a line (or unspaced CJK) breaks anywhere."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(candidate, font, size) <= max_width:
            lines[-1] = candidate
            continue
        lines.extend(break_word(word, font, size, max_width))
    return lines


def break_word(word: str, font: str, size: float, max_width: float) -> list[str]:
    pieces = [""]
    for char in word:
        if pieces[-1] and text_width(pieces[-1] + char, font, size) > max_width:
            pieces.append("")
        pieces[-1] += char
    return pieces


def fit_lines(
    text: str, font: str, max_width: float, max_lines: int, sizes: Sequence[float]
) -> tuple[float, list[str]]:
    """Largest size in ``sizes`` at which ``text`` wraps into ``max_lines``; as a
    last resort, the smallest size with the overflow ellipsised."""
    for size in sizes:
        lines = wrap(text, font, size, max_width)
        if len(lines) <= max_lines:
            return size, lines
    size, kept = sizes[-1], lines[:max_lines]
    room = max_width - text_width("…", font, size)
    kept[-1] = break_word(kept[-1], font, size, room)[0].rstrip() + "…"
    return size, kept
