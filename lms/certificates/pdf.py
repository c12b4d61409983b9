"""Certificate and CE-transcript PDFs: plain data in, PDF bytes out.

No Flask and no database in here, so the domain service decides *what* a
certificate says (a frozen snapshot) and this module only decides how it looks.

Scripts. Every font is embedded, from files vendored in ``static/fonts``:
DejaVu Sans covers Latin with diacritics, Greek, Cyrillic, Hebrew and Arabic
letters; Droid Sans Fallback covers Chinese and Japanese; NanumSquare covers
Korean. Text is split into runs by the first font that has the glyphs, and
each run is drawn in its own font, so "Zoë 李小龍 김연아" mixes all three.
Only the glyphs used are embedded (subsets), so the files stay small.

Right-to-left limitation. reportlab draws glyphs left to right and, without
the optional ``uharfbuzz`` and ``rlbidi`` packages, does no shaping. We do a
minimal visual reordering (:func:`lms.certificates.text.visual`): right-to-left runs are reversed,
and a line whose first letter is right-to-left is laid out right to left. That
is enough for Hebrew names. Arabic letters then come out in the right order
but in their isolated forms, unjoined; proper Arabic needs shaping
(reportlab supports it when ``uharfbuzz`` is installed). Mirrored brackets and
multi-line right-to-left paragraphs are not handled.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.certificates.qr import draw_qr
from lms.certificates.text import (
    BOLD,
    REGULAR,
    draw_fitted,
    draw_text,
    fit_lines,
    load_font,
    script_runs,
    text_width,
    visual,
)
from lms.units import CEU_EXPLAINED, ce_credit, plain_number

PAGE_SIZES = {"letter": LETTER, "a4": A4}
INK = colors.HexColor("#1f3a5f")
#: Not strftime("%B"), which follows the process locale.
# fmt: off
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# fmt: on
CREATOR = "Core Learning"


@dataclass(frozen=True)
class PdfSettings:
    """Organisation-wide look of certificates, set by staff."""

    org_name: str
    signatory_name: str = ""
    signatory_title: str = ""
    logo: bytes | None = None  #: PNG or JPEG bytes
    signature: bytes | None = None  #: PNG (transparent background) or JPEG bytes
    page_size: Literal["letter", "a4"] = "letter"


@dataclass(frozen=True)
class CertificateData:
    """What one certificate certifies: the snapshot taken when it was issued."""

    name: str
    course_title: str
    format: Literal["course", "webinar"]
    ce_hours: Decimal
    completed_on: date
    code: str
    verify_url: str
    instructors: tuple[str, ...] = ()
    expires_on: date | None = None


@dataclass(frozen=True)
class TranscriptRow:
    """One certificate as a line of the CE transcript."""

    code: str
    course_title: str
    completed_on: date
    ce_hours: Decimal
    #: 1, or the retake that earned it (2, 3, …): printed after the title from 2 on.
    edition: int = 1


def format_date(day: date) -> str:
    """Day, month name, year: unambiguous in every country."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


# --- the certificate ---------------------------------------------------------


def render_certificate(data: CertificateData, settings: PdfSettings) -> bytes:
    """Draw a one-page landscape certificate and return the PDF bytes."""
    buffer = io.BytesIO()
    width, height = landscape(PAGE_SIZES[settings.page_size])
    canvas = Canvas(buffer, pagesize=(width, height), initialFontName=load_font(REGULAR).fontName)
    _set_metadata(
        canvas,
        f"Certificate of Completion: {data.course_title}",
        settings.org_name,
        f"{data.name}, {ce_credit(data.ce_hours)}, code {data.code}",
    )
    _draw_frame(canvas, width, height)
    _draw_header(canvas, settings, width, height)
    y = _draw_recipient(canvas, data, width, height)
    _draw_details(canvas, data, width, y)
    _draw_signatory(canvas, settings)
    _draw_verification(canvas, data, width)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _set_metadata(canvas: Canvas, title: str, author: str, subject: str) -> None:
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject(subject)
    canvas.setCreator(CREATOR)


def _draw_frame(canvas: Canvas, width: float, height: float) -> None:
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(2.5)
    canvas.rect(24, 24, width - 48, height - 48)
    canvas.setLineWidth(0.75)
    canvas.rect(30, 30, width - 60, height - 60)


@functools.lru_cache(maxsize=8)
def _image(data: bytes) -> ImageReader:
    """Decode once: every certificate carries the same logo and signature."""
    return ImageReader(io.BytesIO(data))


def _draw_image(canvas: Canvas, image: bytes, x: float, y: float, w: float, h: float) -> None:
    canvas.drawImage(
        _image(image),
        x,
        y,
        w,
        h,
        preserveAspectRatio=True,
        anchor="sw",
        mask="auto",
    )


def _draw_header(canvas: Canvas, settings: PdfSettings, width: float, height: float) -> None:
    if settings.logo:
        _draw_image(canvas, settings.logo, 48, height - 100, 120, 52)
    canvas.setFillColor(INK)
    draw_fitted(canvas, settings.org_name, width / 2, height - 72, BOLD, 16, width - 380)
    draw_text(canvas, "Certificate of Completion", width / 2, height - 128, BOLD, 32)


def _draw_recipient(canvas: Canvas, data: CertificateData, width: float, height: float) -> float:
    """Draw the name and course title; return the baseline below which details go."""
    canvas.setFillColor(colors.black)
    draw_text(canvas, "This certifies that", width / 2, height - 165, REGULAR, 12)
    draw_fitted(canvas, data.name, width / 2, height - 205, BOLD, 28, width - 192)
    canvas.setLineWidth(0.5)
    canvas.line(width / 2 - 180, height - 216, width / 2 + 180, height - 216)
    verb = "attended the webinar" if data.format == "webinar" else "completed the course"
    draw_text(canvas, f"has {verb}", width / 2, height - 240, REGULAR, 12)
    size, lines = fit_lines(data.course_title, BOLD, width - 192, 3, range(20, 7, -1))
    y = height - 250
    for line in lines:
        y -= size * 1.2
        draw_text(canvas, line, width / 2, y, BOLD, size)
    return y


def _draw_details(canvas: Canvas, data: CertificateData, width: float, y: float) -> None:
    draw_text(canvas, ce_credit(data.ce_hours), width / 2, y - 30, BOLD, 14)
    completed = f"Completed on {format_date(data.completed_on)}"
    draw_text(canvas, completed, width / 2, y - 50, REGULAR, 12)
    if data.instructors:
        label = "Instructor" if len(data.instructors) == 1 else "Instructors"
        text = f"{label}: {', '.join(data.instructors)}"
        draw_fitted(canvas, text, width / 2, y - 68, REGULAR, 11, width - 400)
    if data.expires_on:
        valid = f"Valid until {format_date(data.expires_on)}"
        draw_text(canvas, valid, width / 2, y - 84, REGULAR, 10)


def _draw_signatory(canvas: Canvas, settings: PdfSettings) -> None:
    if settings.signature:
        _draw_image(canvas, settings.signature, 72, 104, 220, 44)
    canvas.setLineWidth(0.75)
    canvas.line(72, 100, 292, 100)
    draw_fitted(canvas, settings.signatory_name, 72, 86, BOLD, 11, 220, "left")
    draw_fitted(canvas, settings.signatory_title, 72, 73, REGULAR, 10, 220, "left")
    draw_fitted(canvas, CEU_EXPLAINED, 72, 42, REGULAR, 8, 240, "left")


def _draw_verification(canvas: Canvas, data: CertificateData, width: float) -> None:
    draw_qr(canvas, data.verify_url, width - 172, 58, 100)
    room = width - 72 - 320
    draw_fitted(canvas, f"Certificate code {data.code}", width - 72, 48, REGULAR, 9, room, "right")
    draw_fitted(canvas, f"Verify at {data.verify_url}", width - 72, 38, REGULAR, 8, room, "right")


# --- the CE transcript -------------------------------------------------------

Period = tuple[date | None, date | None]


def render_transcript(
    rows: Sequence[TranscriptRow], member_name: str, period: Period, settings: PdfSettings,
    extra: Sequence[Flowable] = (),
) -> bytes:
    """List certificates with their CE hours and the total, over as many pages as needed.

    ``period`` is (from, to), either end open (None); rows are printed in the
    order given. ``extra`` follows the certificates (the other credits, by type:
    ``transcript_credits``).
    """
    buffer = io.BytesIO()
    page = PAGE_SIZES[settings.page_size]
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=54,
        rightMargin=54,
        topMargin=126,
        bottomMargin=54,
        initialFontName=load_font(REGULAR).fontName,
    )
    header = _transcript_header(settings.org_name, member_name, format_period(period))
    story = [_transcript_table(rows, page[0] - 108), Spacer(1, 8), _cell(CEU_EXPLAINED),
             *extra]
    doc.build(story, onFirstPage=header, onLaterPages=header)
    return buffer.getvalue()


def format_period(period: Period) -> str:
    start, end = period
    if start and end:
        return f"{format_date(start)} to {format_date(end)}"
    if start:
        return f"From {format_date(start)}"
    return f"Up to {format_date(end)}" if end else "All dates"


def _transcript_header(org: str, member: str, period: str) -> Callable[[Canvas, object], None]:
    """Page decoration drawn on every page: who, what period, which page."""

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        width, height = doc.pagesize
        if doc.page == 1:
            _set_metadata(canvas, f"CE transcript: {member}", org, f"{member}, {period}")
        canvas.saveState()
        canvas.setFillColor(INK)
        draw_fitted(canvas, org, 54, height - 54, BOLD, 12, width - 108, "left")
        draw_text(canvas, "Continuing Education Transcript", 54, height - 78, BOLD, 18, "left")
        canvas.setFillColor(colors.black)
        draw_fitted(canvas, member, 54, height - 98, BOLD, 12, width - 108, "left")
        draw_text(canvas, period, 54, height - 114, REGULAR, 10, "left")
        draw_text(canvas, f"Page {doc.page}", width - 54, 32, REGULAR, 9, "right")
        canvas.restoreState()

    return draw


_CELL = ParagraphStyle("cell", fontName=REGULAR, fontSize=9, leading=11.5)
_HEAD = ParagraphStyle("head", parent=_CELL, fontName=BOLD)
_NUMBER = ParagraphStyle("number", parent=_CELL, alignment=TA_RIGHT)
_HEAD_NUMBER = ParagraphStyle("head-number", parent=_HEAD, alignment=TA_RIGHT)


def _cell(text: str, style: ParagraphStyle = _CELL) -> Paragraph:
    font = style.fontName
    runs = script_runs(visual(text), font)
    return Paragraph("".join(f'<font face="{f}">{escape(t)}</font>' for f, t in runs), style)


def _transcript_table(rows: Sequence[TranscriptRow], width: float) -> Table:
    load_font(BOLD)  # registered before a Paragraph style names it
    head = [_cell(label, _HEAD) for label in ("Date", "Course", "Code")]
    body = [_transcript_row(row) for row in rows] or [["", _cell("No certificates."), "", ""]]
    total = sum((row.ce_hours for row in rows), Decimal(0))
    foot = [_cell(f"Total: {ce_credit(total)}", _HEAD), "", "", ""]
    code_width = _code_column_width(rows)
    table = Table(
        [[*head, _cell("CE hours", _HEAD_NUMBER)], *body, foot],
        colWidths=[86, width - 86 - code_width - 64, code_width, 64],
        repeatRows=1,
    )
    table.setStyle(_TABLE_STYLE)
    return table


def _code_column_width(rows: Sequence[TranscriptRow]) -> float:
    """Wide enough that no code wraps (codes of W and M are a fifth wider than most)."""
    widest = max((text_width(row.code, REGULAR, _CELL.fontSize) for row in rows), default=0)
    return max(widest + 14, 60)


def _transcript_row(row: TranscriptRow) -> list[Paragraph]:
    return [
        _cell(format_date(row.completed_on)),
        _cell(row.course_title if row.edition <= 1
              else f"{row.course_title} (edition {row.edition})"),
        _cell(row.code),
        _cell(plain_number(row.ce_hours), _NUMBER),
    ]


_TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 1, INK),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.lightgrey),
        ("LINEABOVE", (0, -1), (-1, -1), 1, INK),
        ("SPAN", (0, -1), (-1, -1)),
    ]
)
