"""Certificate rendering cost, as a multiple of reportlab drawing a trivial page.

Run as ``.venv/bin/python tests/perf/bench_certificates.py [runs]``. Both sides
are timed in the same process and run, interleaved, so machine load affects
them alike; the goal is a median ratio of at most 30. Prints a Markdown table
and writes ``tests/perf/results/certificates.json``.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from lms.certificates.codes import new_code  # noqa: E402
from lms.certificates.pdf import CertificateData, PdfSettings, render_certificate  # noqa: E402

GOAL = 30.0
RESULTS = ROOT / "tests" / "perf" / "results" / "certificates.json"
SETTINGS = PdfSettings(
    org_name="Library Workers Learning Collective",
    signatory_name="Maria Sánchez",
    signatory_title="Director of Education",
)
NAMES = ("Zoë Ørsted-Nguyễn", "Ἀλέξανδρος Παπαδόπουλος", "Пётр Чайковский", "李小龍")


def blank_page() -> bytes:
    """The baseline: one page, one line of text, standard font."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Certificate of Completion")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def png(size: tuple[int, int]) -> bytes:
    """A stand-in logo or signature: a transparent PNG with a dark block."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste("navy", (8, 8, size[0] - 8, size[1] - 8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def certificate(name: str, settings: PdfSettings = SETTINGS) -> Callable[[], bytes]:
    def render() -> bytes:
        code = new_code()
        data = CertificateData(
            name=name,
            course_title="Cataloguing for Everyone: An Introduction to RDA and Linked Data",
            format="course",
            ce_hours=Decimal("1.5"),
            completed_on=date(2025, 3, 12),
            code=code,
            verify_url=f"https://learn.example.org/verify/{code}",
            instructors=("Ada Lovelace", "Grace Hopper"),
        )
        return render_certificate(data, settings)

    return render


def timed(function: Callable[[], bytes]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure(cases: dict[str, Callable[[], bytes]], runs: int) -> dict[str, list[float]]:
    """Time every case ``runs`` times, interleaved, after one warm-up call each."""
    for function in cases.values():
        function()
    samples: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(runs):
        for label, function in cases.items():
            samples[label].append(timed(function))
    return samples


def main(runs: int) -> dict[str, dict[str, float]]:
    cases = {"blank page": blank_page} | {name: certificate(name) for name in NAMES}
    images = replace(SETTINGS, logo=png((480, 200)), signature=png((600, 120)))
    cases["Zoë…, with logo and signature"] = certificate(NAMES[0], images)
    samples = measure(cases, runs)
    baseline = statistics.median(samples["blank page"])
    return {label: summary(times, baseline) for label, times in samples.items()}


def summary(times: list[float], baseline: float) -> dict[str, float]:
    median = statistics.median(times)
    return {"median_ms": median * 1000, "ratio": median / baseline}


def report(results: dict[str, dict[str, float]], runs: int) -> None:
    print(f"| case ({runs} runs, median) | ms | × blank page |")
    print("|---|---:|---:|")
    for label, row in results.items():
        print(f"| {label} | {row['median_ms']:.2f} | {row['ratio']:.1f} |")
    worst = max(row["ratio"] for row in results.values())
    print(f"\nworst ratio {worst:.1f}× (goal ≤ {GOAL:.0f}×): {'ok' if worst <= GOAL else 'OVER'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {"runs": runs, "goal_ratio": GOAL, "worst_ratio": worst, "cases": results}
    RESULTS.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    report(main(count), count)
