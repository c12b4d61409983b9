"""Certificate rendering cost, as a multiple of reportlab drawing a trivial page.

Run as ``.venv/bin/python tests/perf/bench_certificates.py [runs] [back-issue count]``.
Both sides are timed in the same process and run, interleaved, so machine load
affects them alike; the goal is a median ratio of at most 30. Prints a Markdown
table and writes ``tests/perf/results/certificates.json``.

Back-issue (``back_issue_bench``): in a temporary SQLite database, 1,000 members
who completed a course get their certificates through ``issuance.back_issue``
(rows, evidence, render, store, mail queued, commit). Its wall time is compared
with rendering the same 1,000 certificates alone (goal ≤ 1.3×), and its memory
is measured twice: the process's peak RSS (``getrusage``) and, in a second
back-issue of another course, the peak of Python allocations (``tracemalloc``,
which slows the run, so it is not timed). Goal: under 200 MiB.
"""

from __future__ import annotations

import io
import json
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
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
BACK_ISSUE_RATIO_GOAL = 1.3
MEMORY_GOAL_MIB = 200
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


def _seed(db, count: int) -> tuple[object, list[int]]:
    """An admin, ``count`` members with names in four scripts, two courses all completed."""
    from datetime import UTC, datetime

    from lms.accounts.models import User
    from lms.catalog.models import Course, Enrollment

    admin = User(email="admin@example.org", name="Admin", certificate_name="Admin",
                 password_hash="x", is_admin=True)
    members = [User(email=f"m{n}@example.org", name=f"M{n}",
                    certificate_name=f"{NAMES[n % len(NAMES)]} {n}", password_hash="x")
               for n in range(count)]
    courses = [Course(slug=f"c{n}", title="Cataloguing for Everyone: An Introduction to RDA "
                      "and Linked Data", ce_hours=Decimal("1.5"), status="published",
                      certificate_enabled=True) for n in range(2)]
    db.session.add_all([admin, *members, *courses])
    db.session.flush()
    done = datetime(2025, 3, 12, tzinfo=UTC)
    db.session.add_all(Enrollment(user_id=m.id, course_id=c.id, completed_at=done)
                       for c in courses for m in members)
    db.session.commit()
    return admin, [course.id for course in courses]


def _render_alone(count: int, settings: PdfSettings) -> float:
    """Render ``count`` certificates like the back-issue's, without database or storage."""
    start = time.perf_counter()
    for n in range(count):
        code = new_code()
        render_certificate(CertificateData(
            name=f"{NAMES[n % len(NAMES)]} {n}",
            course_title="Cataloguing for Everyone: An Introduction to RDA and Linked Data",
            format="course", ce_hours=Decimal("1.5"), completed_on=date(2025, 3, 12),
            code=code, verify_url=f"http://127.0.0.1:5000/verify/{code}"), settings)
    return time.perf_counter() - start


def back_issue_bench(count: int) -> dict[str, float]:
    from lms import create_app
    from lms.certificates.backissue import back_issue
    from lms.certificates.settings import pdf_settings
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.db",
                         MEDIA_DIR=f"{folder}/media", MAIL_SERVER=None)
        with app.app_context():
            db.create_all()
            admin, (timed_course, traced_course) = _seed(db, count)
            settings = pdf_settings()
            _render_alone(20, settings)  # warm fonts and caches for both sides
            alone = _render_alone(count, settings)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            start = time.perf_counter()
            issued = back_issue(admin, timed_course, dry_run=False)
            db.session.commit()
            wall = time.perf_counter() - start
            rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            db.session.expunge_all()
            admin = db.session.merge(admin)
            tracemalloc.start()
            back_issue(admin, traced_course, dry_run=False)
            db.session.commit()
            traced_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
            db.session.remove()
            db.engine.dispose()
    assert issued == count, issued
    return {"certificates": count, "render_alone_s": alone, "back_issue_s": wall,
            "ratio": wall / alone, "ratio_goal": BACK_ISSUE_RATIO_GOAL,
            "peak_rss_mib": rss_peak, "rss_before_mib": rss_before,
            "peak_python_alloc_mib": traced_peak, "memory_goal_mib": MEMORY_GOAL_MIB}


def report_back_issue(row: dict[str, float]) -> None:
    print(f"\n| back-issue of {row['certificates']} | value | goal |")
    print("|---|---:|---:|")
    print(f"| render alone | {row['render_alone_s']:.2f} s | |")
    print(f"| back-issue (rows, evidence, render, store, commit) | {row['back_issue_s']:.2f} s | |")
    print(f"| ratio | {row['ratio']:.2f}× | ≤ {BACK_ISSUE_RATIO_GOAL}× |")
    print(f"| peak RSS of the process | {row['peak_rss_mib']:.0f} MiB | < {MEMORY_GOAL_MIB} MiB |")
    print(f"| peak Python allocations (tracemalloc) | {row['peak_python_alloc_mib']:.1f} MiB | |")


def report(results: dict[str, dict[str, float]], runs: int) -> dict:
    print(f"| case ({runs} runs, median) | ms | × blank page |")
    print("|---|---:|---:|")
    for label, row in results.items():
        print(f"| {label} | {row['median_ms']:.2f} | {row['ratio']:.1f} |")
    worst = max(row["ratio"] for row in results.values())
    print(f"\nworst ratio {worst:.1f}× (goal ≤ {GOAL:.0f}×): {'ok' if worst <= GOAL else 'OVER'}")
    return {"runs": runs, "goal_ratio": GOAL, "worst_ratio": worst, "cases": results}


def write(payload: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    back_issue_count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    payload = report(main(count), count)
    if back_issue_count:
        payload["back_issue"] = back_issue_bench(back_issue_count)
        report_back_issue(payload["back_issue"])
    write(payload)
