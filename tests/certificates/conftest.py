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

# The media tests' storage fixture (a fresh folder, or a fresh bucket on the moto server).
from tests.media.conftest import backend  # noqa: F401

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


# --- the application side: members who complete courses through the real flow ---


@pytest.fixture
def complete(app_ctx, client):
    """Complete a course through progress's API; returns the member's certificate (or None).

    ``complete(member, course)`` enrols the member and marks every reading item
    done with ``POST /api/v1/items/<id>/progress``, as the member's browser would.
    """
    from tests.factories import api_headers, enrol

    def run(member, course):
        from lms.catalog.models import Item, Module
        from lms.certificates.models import Certificate
        from lms.extensions import db

        enrol(member, course)
        headers = api_headers(member)
        items = db.session.execute(db.select(Item.id).join(Module).where(
            Module.course_id == course.id)).scalars().all()
        for item_id in items:
            response = client.post(f"/api/v1/items/{item_id}/progress",
                                   json={"completed": True}, headers=headers)
            assert response.status_code == 200, response.get_json()
        db.session.expire_all()
        return db.session.execute(db.select(Certificate).where(
            Certificate.user_id == member.id, Certificate.course_id == course.id)).scalar()

    return run


@pytest.fixture
def issued(app_ctx):
    """A certificate issued through the service directly (no progress involved).

    ``issued(member=None, course=None, completed_at=None)``; commits.
    """
    from datetime import UTC, datetime

    from lms.certificates.issuance import issue_certificate
    from lms.extensions import db
    from tests.factories import enrol, make_course, make_user

    def run(member=None, course=None, completed_at=None, now=None):
        member = member or make_user()
        course = course or make_course()
        completed_at = completed_at or datetime(2025, 3, 12, 15, 0, tzinfo=UTC)
        enrollment = enrol(member, course, completed_at=completed_at)
        certificate = issue_certificate(member, course, enrollment, now=now or completed_at)
        db.session.commit()
        return certificate

    return run

