"""The QR code on a certificate scans back to its verification URL."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas

from lms.certificates import qr
from lms.certificates.codes import new_code
from lms.certificates.pdf import PdfSettings, render_certificate

needs_scanner = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools) to rasterise and scan",
)


def scan(pdf: bytes, tmp_path: Path) -> list[str]:
    """Rasterise page one at 150 dpi, as a phone camera might see a print, and decode."""
    (tmp_path / "page.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "page.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    found = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "page.png"], cwd=tmp_path, capture_output=True, text=True
    )
    return found.stdout.splitlines()


@needs_scanner
@pytest.mark.parametrize("page_size", ["letter", "a4"])
def test_certificate_qr_decodes_to_verify_url(
    page_size: str, make_data, settings: PdfSettings, tmp_path: Path
) -> None:
    data = make_data()
    pdf = render_certificate(data, PdfSettings(**{**settings.__dict__, "page_size": page_size}))
    assert scan(pdf, tmp_path) == [data.verify_url]


@needs_scanner
def test_fixed_mask_scans_for_many_codes(tmp_path: Path) -> None:
    """The mask is not chosen per symbol; show that scanners do not mind."""
    for _ in range(12):
        url = f"http://127.0.0.1:5000/verify/{new_code()}"
        buffer = io.BytesIO()
        canvas = Canvas(buffer)
        qr.draw_qr(canvas, url, 200, 400, 100)
        canvas.save()
        assert scan(buffer.getvalue(), tmp_path) == [url]


def test_symbol_is_encoded_once_with_the_fixed_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bool, int]] = []
    real = qrencoder.QRCode.makeImpl

    def spy(self: qrencoder.QRCode, test: bool, mask: int) -> None:
        calls.append((test, mask))
        real(self, test, mask)

    monkeypatch.setattr(qrencoder.QRCode, "makeImpl", spy)
    matrix = qr.qr_matrix("https://learn.example.org/verify/K7Q4-M2XD-9F3A-P8TR-5WVE")
    assert calls == [(False, qr.MASK_PATTERN)]
    assert len(matrix) == len(matrix[0]) == 33


def test_dark_modules_are_one_filled_path_of_row_runs() -> None:
    url = "https://learn.example.org/verify/K7Q4-M2XD-9F3A-P8TR-5WVE"
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=0)
    qr.draw_qr(canvas, url, 0, 0, 100)
    canvas.showPage()
    canvas.save()
    pdf = buffer.getvalue()
    content = pdf[pdf.index(b"stream") : pdf.index(b"endstream")].decode()
    operators = content.split()
    assert operators.count("re") == len(qr._dark_runs(qr.qr_matrix(url)))
    assert [op for op in operators if op in {"f", "f*", "F", "B", "b", "S"}] == ["f"]
