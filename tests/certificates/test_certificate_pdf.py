"""The certificate PDF: what it says, in every script, and how it is built."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pypdf
import pytest

from lms.certificates.pdf import PdfSettings, render_certificate
from lms.certificates.text import BOLD, fit_lines, visual
from lms.units import CEU_EXPLAINED

Lines = Callable[[bytes], list[str]]

NAMES = ["Zoë Ørsted-Nguyễn", "Ἀλέξανδρος Παπαδόπουλος", "Пётр Чайковский", "李小龍"]
MORE_NAMES = ["山田 太郎", "김연아", "Zoë 李小龍 김연아", "Siobhán Ní Bhriain", "Łukasz Żółć"]


@pytest.mark.parametrize("name", NAMES + MORE_NAMES)
def test_text_extraction_gives_back_name_title_hours_and_code(
    name: str, make_data, settings: PdfSettings, pypdf_lines: Lines
) -> None:
    data = make_data(name=name, course_title=f"Readers’ Advisory for {name}")
    lines = pypdf_lines(render_certificate(data, settings))
    assert name in lines
    assert data.course_title in lines
    assert "1.5 CE hours (0.15 CEU)" in lines
    assert CEU_EXPLAINED in lines
    assert f"Certificate code {data.code}" in lines


@pytest.mark.parametrize("name", NAMES + MORE_NAMES)
def test_poppler_reads_the_name_too(
    name: str, make_data, settings: PdfSettings, poppler_lines: Lines
) -> None:
    assert name in poppler_lines(render_certificate(make_data(name=name), settings))


def test_certificate_states_the_details(
    make_data, settings: PdfSettings, pypdf_lines: Lines
) -> None:
    data = make_data(format="webinar", expires_on=date(2027, 3, 12), instructors=("Ada Lovelace",))
    lines = pypdf_lines(render_certificate(data, settings))
    for expected in [
        "Library Workers Learning Collective",
        "Certificate of Completion",
        "has attended the webinar",
        "Completed on 12 March 2025",
        "Instructor: Ada Lovelace",
        "Valid until 12 March 2027",
        "Maria Sánchez",
        "Director of Education",
        f"Verify at {data.verify_url}",
    ]:
        assert expected in lines


def test_hebrew_name_is_drawn_right_to_left(
    make_data, settings, pypdf_lines, poppler_lines
) -> None:
    pdf = render_certificate(make_data(name="דוד כהן"), settings)
    assert "דוד כהן" in pypdf_lines(pdf)
    assert "דוד כהן" in poppler_lines(pdf)


def test_arabic_name_is_present_but_unshaped(make_data, settings, pypdf_lines) -> None:
    """Pins the documented limitation: letters in order, but not joined.

    Extraction reads back exactly the code points drawn, so finding no Arabic
    presentation forms (the joined shapes) shows no shaping was done.
    """
    pdf = render_certificate(make_data(name="محمد علي"), settings)
    assert "محمد علي" in pypdf_lines(pdf)
    assert not re.search(
        "[\ufb50-\ufdff\ufe70-\ufeff]", pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    )


@pytest.mark.parametrize(
    ("logical", "expected"),
    [
        ("Zoë", "Zoë"),
        ("דוד כהן", "ןהכ דוד"),
        ("Dana כהן", "Dana ןהכ"),
        ("כהן Dana", "Dana ןהכ"),
        ("כהן-לוי 2", "2 יול-ןהכ"),
    ],
)
def test_visual_reordering(logical: str, expected: str) -> None:
    assert visual(logical) == expected


def test_fonts_are_embedded_subsets(make_data, settings: PdfSettings) -> None:
    pdf = render_certificate(make_data(name="Zoë 李小龍 김연아 Пётр Ἀλέξανδρος"), settings)
    fonts = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    names = set()
    for ref in fonts.values():
        font = ref.get_object()
        assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
        names.add(font["/BaseFont"].split("+", 1)[1])
    assert names == {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback", "NanumSquareR"}


@pytest.mark.parametrize(("page_size", "width", "height"), [("letter", 792, 612), ("a4", 842, 595)])
def test_page_is_landscape_in_the_chosen_size(
    page_size: str, width: int, height: int, make_data, settings: PdfSettings
) -> None:
    pdf = render_certificate(
        make_data(), PdfSettings(**{**settings.__dict__, "page_size": page_size})
    )
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == (width, height)


def test_metadata(make_data, settings: PdfSettings) -> None:
    data = make_data()
    meta = pypdf.PdfReader(io.BytesIO(render_certificate(data, settings))).metadata
    assert meta.title == f"Certificate of Completion: {data.course_title}"
    assert meta.author == settings.org_name
    assert data.name in meta.subject and data.code in meta.subject
    assert meta.creator == "Core Learning"


def test_logo_and_signature_are_drawn(make_data, settings: PdfSettings, png) -> None:
    with_images = PdfSettings(
        **{**settings.__dict__, "logo": png("navy"), "signature": png("black")}
    )
    page = pypdf.PdfReader(io.BytesIO(render_certificate(make_data(), with_images))).pages[0]
    assert len(page.images) == 2


def test_fit_lines_keeps_every_line_inside_the_width() -> None:
    title = ("Metadata, Discovery and Access " * 7)[:200]
    size, lines = fit_lines(title, BOLD, 600, 3, range(20, 7, -1))
    assert len(lines) <= 3 and " ".join(lines) == title.strip()
    assert size < 20


def test_overlong_title_is_cut_with_an_ellipsis() -> None:
    size, lines = fit_lines("word " * 400, BOLD, 600, 3, range(20, 7, -1))
    assert size == 8 and len(lines) == 3 and lines[-1].endswith("…")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
@pytest.mark.parametrize("page_size", ["letter", "a4"])
@pytest.mark.parametrize("words", [("Metadata, Discovery and Access ",), ("編目と目録",)])
def test_200_character_title_stays_on_the_page(
    page_size: str, words: tuple[str], make_data, settings: PdfSettings, tmp_path: Path
) -> None:
    title = (words[0] * 200)[:200].strip()
    data = make_data(course_title=title)
    pdf = render_certificate(data, PdfSettings(**{**settings.__dict__, "page_size": page_size}))
    boxes = _word_boxes(pdf, tmp_path)
    width, height = {"letter": (792, 612), "a4": (842, 595)}[page_size]
    for word, (x_min, y_min, x_max, y_max) in boxes:
        assert 30 < x_min < x_max < width - 30 and 30 < y_min < y_max < height - 30, word
    words_only = [word for word, _ in boxes]
    start, end = words_only.index("course") + 1, words_only.index("1.5")
    assert "".join(words_only[start:end]) == title.replace(" ", "")
    lowest = max(y_max for _, (_, _, _, y_max) in boxes[start:end])
    assert lowest < height - 170, "title runs into the signature and QR code"


def _word_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[str, tuple[float, ...]]]:
    """Words with their boxes (top-left origin) as pdftotext -bbox reports them."""
    path = tmp_path / "title.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True)
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [
        (m[4], tuple(float(v) for v in m[:4])) for m in re.findall(pattern, html.stdout.decode())
    ]
