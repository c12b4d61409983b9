"""The CE transcript: many certificates, paginated, with the total."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pypdf
import pytest

from lms.certificates.codes import new_code
from lms.certificates.pdf import PdfSettings, TranscriptRow, format_period, render_transcript

HOURS = [Decimal("1"), Decimal("1.5"), Decimal("0.25")]


def make_rows(count: int) -> list[TranscriptRow]:
    return [
        TranscriptRow(
            code=new_code(),
            course_title=f"Course {i}: Serving Readers in Every Language",
            completed_on=date(2024, 1, 1) + timedelta(days=i),
            ce_hours=HOURS[i % 3],
        )
        for i in range(count)
    ]


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_120_rows_paginate_with_the_header_on_every_page(settings: PdfSettings) -> None:
    rows = make_rows(120)
    pages = page_texts(render_transcript(rows, "Пётр Чайковский", (None, None), settings))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        lines = [line.strip() for line in text.splitlines()]
        assert "Continuing Education Transcript" in lines
        assert "Пётр Чайковский" in lines
        head = lines.index("Date")
        assert lines[head : head + 4] == ["Date", "Course", "Code", "CE hours"]
        assert f"Page {number}" in lines


def test_every_row_is_present_once(settings: PdfSettings) -> None:
    rows = make_rows(120)
    text = "\n".join(page_texts(render_transcript(rows, "李小龍", (None, None), settings)))
    for row in rows:
        assert text.count(row.code) == 1
        assert f"{row.course_title}" in text.replace("\n", " ")


def test_total_ce_hours(settings: PdfSettings) -> None:
    rows = make_rows(120)  # 40 each of 1, 1.5 and 0.25 hours
    last = page_texts(render_transcript(rows, "Zoë", (None, None), settings))[-1]
    assert "Total: 110 CE hours (11 CEU)" in last.splitlines()


def test_no_certificates(settings: PdfSettings) -> None:
    (text,) = page_texts(render_transcript([], "Zoë", (date(2025, 1, 1), None), settings))
    assert "No certificates." in text
    assert "Total: 0 CE hours (0 CEU)" in text
    assert "From 1 January 2025" in text


@pytest.mark.parametrize(
    ("period", "text"),
    [
        ((None, None), "All dates"),
        ((date(2025, 1, 1), None), "From 1 January 2025"),
        ((None, date(2025, 12, 31)), "Up to 31 December 2025"),
        ((date(2025, 1, 1), date(2025, 12, 31)), "1 January 2025 to 31 December 2025"),
    ],
)
def test_period_wording(period: tuple[date | None, date | None], text: str) -> None:
    assert format_period(period) == text


def test_transcript_metadata_and_page_size(settings: PdfSettings) -> None:
    a4 = PdfSettings(**{**settings.__dict__, "page_size": "a4"})
    reader = pypdf.PdfReader(io.BytesIO(render_transcript(make_rows(3), "Zoë", (None, None), a4)))
    assert reader.metadata.title == "CE transcript: Zoë"
    assert reader.metadata.author == settings.org_name
    assert round(reader.pages[0].mediabox.width) == 595


def test_the_widest_codes_never_wrap(settings: PdfSettings) -> None:
    wide = TranscriptRow(code="WWWW-MMMM-WWWW-MMMM-WWWW", course_title="Weeding Without Worry",
                         completed_on=date(2026, 3, 1), ce_hours=Decimal("1"))
    text = "\n".join(page_texts(render_transcript([wide], "Zoë", (None, None), settings)))
    assert "WWWW-MMMM-WWWW-MMMM-WWWW" in text.splitlines()
