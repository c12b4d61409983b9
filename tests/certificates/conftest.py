"""Certificate PDFs built from plain data, and ways to read them back."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image

from lms.certificates.pdf import CertificateData, PdfSettings

CODE = "K7Q4-M2XD-9F3A-P8TR-5WVE"


@pytest.fixture
def settings() -> PdfSettings:
    return PdfSettings(
        org_name="Library Workers Learning Collective",
        signatory_name="Maria Sánchez",
        signatory_title="Director of Education",
    )


@pytest.fixture
def make_data() -> Callable[..., CertificateData]:
    """Factory for a certificate snapshot; keyword arguments override fields."""
    base = CertificateData(
        name="Zoë Ørsted-Nguyễn",
        course_title="Cataloguing for Everyone: An Introduction to RDA",
        format="course",
        ce_hours=Decimal("1.5"),
        completed_on=date(2025, 3, 12),
        code=CODE,
        verify_url=f"https://learn.example.org/verify/{CODE}",
        instructors=("Ada Lovelace", "Grace Hopper"),
    )

    def make(**overrides: Any) -> CertificateData:
        return replace(base, **overrides)

    return make


@pytest.fixture
def pypdf_lines() -> Callable[[bytes], list[str]]:
    return _pypdf_lines


@pytest.fixture
def poppler_lines(tmp_path: Path) -> Callable[[bytes], list[str]]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return lambda pdf: _pdftotext_lines(pdf, tmp_path)


@pytest.fixture
def png() -> Callable[[str], bytes]:
    return _png


def _pypdf_lines(pdf: bytes) -> list[str]:
    """Every line of text pypdf extracts, over all pages, stripped."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return [line.strip() for line in text.splitlines()]


def _pdftotext_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    """Lines as poppler sees them, without the bidi marks it adds around RTL text."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    text = result.stdout.decode().translate({c: None for c in range(0x202A, 0x202F)})
    return [line.strip() for line in text.splitlines()]


def _png(colour: str, size: tuple[int, int] = (240, 80)) -> bytes:
    """A small PNG with a transparent margin, standing in for a logo or signature."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste(colour, (10, 10, size[0] - 10, size[1] - 10))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
