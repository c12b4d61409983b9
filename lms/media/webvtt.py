"""WebVTT read as the W3C specification's parser reads it, and written back. Pure.

https://www.w3.org/TR/webvtt1/#file-parsing: one BOM is skipped, NUL becomes U+FFFD,
CRLF, LF and CR all end a line; the file starts with ``WEBVTT`` followed by a space, a
tab or a line end (text after it, and the header block, are ignored); blocks are
separated by empty lines (a line holding spaces is not empty). A block is a cue when
its first line, or its second after an identifier, is a valid timing line; NOTE blocks,
STYLE and REGION blocks (before the first cue), broken timings and an identifier holding
``-->`` are skipped as the specification says. Cue settings are kept when valid; the
cue text keeps its tags and character references, and `Cue.words` gives what a
transcript shows: tags (``<v Speaker>``, ``<c.class>``, ``<i>``, ``<b>``, ``<u>``,
``<ruby>``/``<rt>``, ``<lang>``, timestamps) dropped, references (``&amp;`` ``&lt;``
``&gt;`` ``&lrm;`` ``&rlm;`` ``&nbsp;`` ...) decoded.

This is the only WebVTT reader: the transcript beside a video, the upload checks and
the SubRip converter (`lms.media.srt`) all use it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

#: More cues (and blocks of any kind) than any real recording has; the rest of a larger
#: file is not read, so a hostile file costs a bounded time wherever it is shown.
MAX_CUES = 20_000
MAX_BLOCKS = 2 * MAX_CUES
_WHITESPACE = " \t\n\f\r"
_SPACES = re.compile(r"[ \t\n\f\r]+")
_PERCENT = re.compile(r"\d+(?:\.\d+)?%")
_LINE_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_ALIGN = frozenset({"start", "center", "end", "left", "right"})
_LINE_ALIGN = frozenset({"start", "center", "end"})
_POSITION_ALIGN = frozenset({"line-left", "center", "line-right"})
_TAG = re.compile(r"<([^>]*)>?")
#: Digit runs as the timestamp algorithm collects them (ASCII digits only); their lengths
#: and values are checked in `_timestamp`.
_TIMESTAMP = re.compile(r"([0-9]+):([0-9]*)(?::([0-9]*))?\.([0-9]*)")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    #: The cue text as written: tags and character references included.
    text: str
    identifier: str = ""
    #: The valid cue settings, e.g. ``{"align": "start", "line": "0"}``; invalid ones are dropped.
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def align(self) -> str:
        return self.settings.get("align", "center")

    @property
    def words(self) -> str:
        """The cue as a transcript line: its text without tags, on one line."""
        return cue_words(self.text)

    @property
    def voice(self) -> str:
        """The speaker named by the cue's first ``<v Name>`` tag, if any."""
        match = re.search(r"<v(?:\.[^\s>]*)?[ \t\n\f]+([^>]*)>", self.text)
        return html.unescape(match.group(1)).strip() if match else ""

    @property
    def label(self) -> str:
        """``m:ss`` (or ``h:mm:ss``) of the cue's start, for the transcript."""
        total = int(self.start)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


@dataclass
class Document:
    cues: list[Cue] = field(default_factory=list)
    #: The CSS of STYLE blocks, and the identifiers of REGION blocks, before the first cue.
    styles: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)


def has_signature(text: str) -> bool:
    """True when the text starts as a WebVTT file must (after one optional BOM)."""
    text = text.removeprefix("\ufeff")
    return text.startswith("WEBVTT") and (len(text) == 6 or text[6] in " \t\n\r")


def parse(text: str) -> list[Cue]:
    """The cues of a WebVTT file, in file order; none when it is not WebVTT."""
    document = parse_document(text)
    return document.cues if document else []


def parse_document(text: str) -> Document | None:
    """Cues, styles and regions of a WebVTT file, or None without the WEBVTT signature."""
    if not has_signature(text):
        return None
    text = (text.removeprefix("\ufeff").replace("\0", "\ufffd")
            .replace("\r\n", "\n").replace("\r", "\n"))
    reader = _Reader(text)
    reader.skip_line()
    if reader.at_end():
        return reader.document
    if reader.peek() != "\n":
        reader.block(in_header=True)
    reader.skip_newlines()
    for _ in range(MAX_BLOCKS):
        if reader.at_end() or len(reader.document.cues) >= MAX_CUES:
            break
        reader.block(in_header=False)
        reader.skip_newlines()
    return reader.document


class _Reader:
    """The specification's "collect a WebVTT block", position by position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.seen_cue = False
        self.document = Document()

    def at_end(self) -> bool:
        return self.position >= len(self.text)

    def peek(self) -> str:
        return self.text[self.position]

    def skip_line(self) -> str:
        end = self.text.find("\n", self.position)
        end = len(self.text) if end < 0 else end
        line, self.position = self.text[self.position:end], end + 1
        return line

    def skip_newlines(self) -> None:
        while not self.at_end() and self.peek() == "\n":
            self.position += 1

    def block(self, in_header: bool) -> None:
        line_count, previous = 0, self.position
        buffer, seen_arrow = "", False
        cue: Cue | None = None
        kind = ""
        while True:
            seen_eof = self.text.find("\n", self.position) < 0
            line = self.skip_line()
            line_count += 1
            if "-->" in line:
                if not in_header and (line_count == 1 or (line_count == 2 and not seen_arrow)):
                    seen_arrow, previous = True, self.position
                    cue = _cue_from_timing(line, buffer, self.document.regions)
                    if cue is not None:
                        buffer, self.seen_cue = "", True
                else:
                    self.position = previous
                    break
            elif not line:
                break
            else:
                if not in_header and line_count == 2 and not self.seen_cue:
                    kind = _style_or_region(buffer) or kind
                    if kind:
                        buffer = ""
                buffer = f"{buffer}\n{line}" if buffer else line
                previous = self.position
            if seen_eof:
                break
        self._keep(cue, kind, buffer)

    def _keep(self, cue: Cue | None, kind: str, buffer: str) -> None:
        if cue is not None:
            self.document.cues.append(Cue(cue.start, cue.end, buffer, cue.identifier,
                                          cue.settings))
        elif kind == "STYLE":
            self.document.styles.append(buffer)
        elif kind == "REGION":
            identifier = _region_id(buffer)
            if identifier:
                self.document.regions = [r for r in self.document.regions if r != identifier]
                self.document.regions.append(identifier)


def _style_or_region(first_line: str) -> str:
    for word in ("STYLE", "REGION"):
        if first_line.startswith(word) and not first_line[len(word):].strip(_WHITESPACE):
            return word
    return ""


def _region_id(settings: str) -> str:
    for setting in settings.split():
        name, colon, value = setting.partition(":")
        if name == "id" and colon and value and "-->" not in value:
            return value
    return ""


def _cue_from_timing(line: str, identifier: str, regions: list[str]) -> Cue | None:
    """"Collect WebVTT cue timings and settings": None when the timings are not valid."""
    rest = line.lstrip(_WHITESPACE)
    start, rest = _timestamp(rest)
    if start is None:
        return None
    rest = rest.lstrip(_WHITESPACE)
    if not rest.startswith("-->"):
        return None
    end, rest = _timestamp(rest[3:].lstrip(_WHITESPACE))
    if end is None:
        return None
    return Cue(start, end, "", identifier, _settings(rest, regions))


def _timestamp(text: str) -> tuple[float | None, str]:
    """"Collect a WebVTT timestamp": ``[hh+:]mm:ss.ttt``; (None, text) when it is not one."""
    match = _TIMESTAMP.match(text)
    if match is None:
        return None, text
    first, second, third, fraction = match.groups()
    hours_given = len(first) != 2 or int(first) > 59
    if len(second) != 2 or len(fraction) != 3 or (third is not None and len(third) != 2):
        return None, text
    if third is None:
        if hours_given:
            return None, text
        hours, minutes, seconds = 0, int(first), int(second)
    else:
        hours, minutes, seconds = int(first), int(second), int(third)
    if minutes > 59 or seconds > 59:
        return None, text
    return hours * 3600 + minutes * 60 + seconds + int(fraction) / 1000, text[match.end():]


def _settings(text: str, regions: list[str]) -> dict[str, str]:
    """"Parse the WebVTT cue settings": the last valid value of each setting wins."""
    settings: dict[str, str] = {}
    for setting in re.split(r"[ \t\n\f\r]+", text):
        name, colon, value = setting.partition(":")
        if not colon or not name or not value:
            continue
        valid = _valid_setting(name, value, regions)
        if valid is not None:
            settings[name] = valid
    size = settings.get("size", "100%")
    if "vertical" in settings or "line" in settings or float(size[:-1]) != 100:
        settings.pop("region", None)  # a cue in a region is horizontal, full size, line auto
    return settings


def _valid_setting(name: str, value: str, regions: list[str]) -> str | None:
    """The setting's value as kept (an invalid alignment after a comma is dropped), or None."""
    if name == "region":
        return value if value in regions else None
    if name == "vertical":
        return value if value in ("rl", "lr") else None
    if name in ("line", "position"):
        where, _, align = value.partition(",")
        aligns = _LINE_ALIGN if name == "line" else _POSITION_ALIGN
        if name == "position" or where.endswith("%"):
            valid = _percentage(where)
        else:
            valid = bool(_LINE_NUMBER.fullmatch(where))
        return None if not valid else f"{where},{align}" if align in aligns else where
    if name == "size":
        return value if _percentage(value) else None
    if name == "align":
        return value if value in _ALIGN else None
    return None


def _percentage(text: str) -> bool:
    return bool(_PERCENT.fullmatch(text)) and float(text[:-1]) <= 100


# --- cue text --------------------------------------------------------------------------


def cue_words(text: str) -> str:
    """What a cue says, as plain text: tags dropped, ruby text in brackets, one line."""
    parts: list[str] = []
    position = 0
    for tag in _TAG.finditer(text):
        parts.append(html.unescape(text[position:tag.start()]))
        name = re.split(r"[\s.]", tag.group(1), maxsplit=1)[0]
        if name == "rt":
            parts.append(" (")
        elif name == "/rt":
            parts.append(")")
        position = tag.end()
    parts.append(html.unescape(text[position:]))
    return _SPACES.sub(" ", "".join(parts)).replace(" )", ")").strip()


def escape_text(text: str) -> str:
    """Plain text as WebVTT cue text (``&``, ``<`` and ``>`` as references; no ``-->``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- writing ---------------------------------------------------------------------------


def timestamp_text(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02}:{minutes:02}:{rest // 1000:02}.{rest % 1000:03}"


def write(cues: list[Cue]) -> str:
    """A WebVTT file of these cues; each cue text must already be valid WebVTT cue text."""
    blocks = []
    for cue in cues:
        settings = "".join(f" {name}:{value}" for name, value in cue.settings.items())
        identifier = f"{cue.identifier}\n" if cue.identifier else ""
        blocks.append(f"{identifier}{timestamp_text(cue.start)} --> "
                      f"{timestamp_text(cue.end)}{settings}\n{cue.text}")
    return "WEBVTT\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")
