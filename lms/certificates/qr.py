"""QR codes drawn straight onto a reportlab canvas, cheaply.

reportlab's ``QrCodeWidget`` builds the symbol twice per drawing and, each
time, lays it out with all eight mask patterns to score them: about 75 times
the cost of a whole blank page. Here the symbol is built once with one fixed
mask, and the dark modules are drawn as a single filled path: one rectangle
per horizontal run, in module units, and one fill operator.

Choosing the mask by score is an encoder-side nicety (it avoids patterns that
confuse weak scanners); every decoder reads all eight masks, and the tests
decode rendered certificates with zbar to keep that honest.
"""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas

#: Level M survives ~15% damage: enough for a printed, possibly creased page.
ERROR_CORRECTION = qrencoder.QRErrorCorrectLevel.M
MASK_PATTERN = 2
#: Blank modules required around the symbol by the QR specification.
QUIET_ZONE = 4

Matrix = list[list[bool]]


def qr_matrix(text: str) -> Matrix:
    """Encode ``text`` once; return rows of modules, True meaning dark."""
    code = qrencoder.QRCode(None, ERROR_CORRECTION)
    code.addData(text)
    code.version = code.calculate_version()
    code.makeImpl(False, MASK_PATTERN)
    return code.modules


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``text`` filling the square at (x, y) with side ``size``.

    The square includes the quiet zone, so nothing else may be drawn inside it.
    """
    matrix = qr_matrix(text)
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    canvas.saveState()
    canvas.translate(x + QUIET_ZONE * module, y + size - QUIET_ZONE * module)
    canvas.scale(module, -module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(_path_operators(matrix))
    canvas.restoreState()


def _path_operators(matrix: Matrix) -> str:
    """PDF operators filling every dark run at once, in module units, rows downward.

    Written directly because reportlab's path object formats each of several
    hundred coordinates through a slow general-purpose number formatter.
    """
    rects = " ".join(f"{col} {row} {length} 1 re" for row, col, length in _dark_runs(matrix))
    return f"{rects} f"


def _dark_runs(matrix: Matrix) -> list[tuple[int, int, int]]:
    """Return (row, first column, length) for each horizontal run of dark modules."""
    runs = []
    for row, modules in enumerate(matrix):
        start = None
        for col, dark in enumerate([*modules, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col - start))
                start = None
    return runs
