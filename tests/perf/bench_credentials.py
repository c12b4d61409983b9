"""Signed credentials: what they add to an issuance, and the verify API's throughput.

Run as ``.venv/bin/python tests/perf/bench_credentials.py [runs]``. Two measures,
each interleaved in one process so machine load affects both sides alike:

- issuance: building the OB 3.0 credential and signing it as a VC-JWT (Ed25519,
  JSON serialisation included) against rendering the certificate's PDF. Goal:
  the credential adds at most 2 ms.
- verification: ``POST /api/v1/credentials/verify`` against ``GET /healthz``,
  as requests per second. Measured twice: through gunicorn (the production
  settings, one sync worker, SQLite in a temporary folder) as the server's CPU
  per request, read from ``/proc`` (on a shared, loaded machine CPU per request
  judges throughput where wall time cannot: ``README.md``); and in-process
  through Flask's test client, where there is no HTTP cost to share. Goal:
  verify at least 25 % of healthz.

Prints a Markdown table and writes ``tests/perf/results/credentials.json``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lms import create_app  # noqa: E402
from lms.certificates.pdf import CertificateData, PdfSettings, render_certificate  # noqa: E402

ADDED_MS_GOAL = 2.0
VERIFY_RATIO_GOAL = 0.25
RESULTS = ROOT / "tests" / "perf" / "results" / "credentials.json"
SETTINGS = PdfSettings(org_name="Library Workers Learning Collective",
                       signatory_name="Maria Sánchez", signatory_title="Director of Education")
CERT = SimpleNamespace(
    code="K7Q4-M2XD-9F3A-P8TR-5WVE", name="Zoë Ørsted-Nguyễn",
    course_title="Cataloguing for Everyone: An Introduction to RDA and Linked Data",
    ce_hours=Decimal("1.5"), completed_on=date(2025, 3, 12),
    issued_at=datetime(2025, 3, 12, 15, tzinfo=UTC), expires_on=date(2027, 3, 12))
COURSE = SimpleNamespace(slug="cataloguing-for-everyone", summary="RDA for every library.")


def render_pdf() -> object:
    return render_certificate(CertificateData(
        name=CERT.name, course_title=CERT.course_title, format="course", ce_hours=CERT.ce_hours,
        completed_on=CERT.completed_on, code=CERT.code,
        verify_url=f"https://learn.example.org/verify/{CERT.code}",
        instructors=("Ada Lovelace", "Grace Hopper"), expires_on=CERT.expires_on), SETTINGS)


def sign_credential() -> object:
    """What an issuance adds besides its rows: build the credential, serialise, sign.

    The issuer profile reads the certificate settings row, which the PDF's
    settings have already loaded in the same transaction; it is not counted.
    """
    from lms.certificates.credentials import build, sign
    from lms.certificates.keys import issuer_keys

    kid, key = issuer_keys().signing_key()
    credential = build(CERT, COURSE, uid="urn:uuid:00000000-0000-4000-8000-000000000000",
                       email="zoe@example.org", salt="0123456789abcdef0123456789abcdef",
                       issued_at=CERT.issued_at, status=(1, 4242), issuer=ISSUER)
    return sign(credential, kid=kid, key=key)


ISSUER = {"id": "https://learn.example.org/issuer", "type": ["Profile"],
          "name": SETTINGS.org_name, "url": "https://learn.example.org/"}


def interleaved(cases: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median seconds of each case over ``runs`` interleaved calls, after a warm-up."""
    for function in cases.values():
        function()
    samples: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(runs):
        for label, function in cases.items():
            start = time.perf_counter()
            function()
            samples[label].append(time.perf_counter() - start)
    return {label: statistics.median(times) for label, times in samples.items()}


def seeded_token(app) -> str:
    """One member, one completed course, its certificate issued: the credential's JWT."""
    from lms.accounts.models import User
    from lms.catalog.models import Course, Enrollment
    from lms.certificates.credentials import current_credential
    from lms.certificates.issuance import issue_certificate
    from lms.extensions import db

    member = User(email="zoe@example.org", name="Zoë", certificate_name=CERT.name,
                  password_hash="x")
    course = Course(slug=COURSE.slug, title=CERT.course_title, ce_hours=CERT.ce_hours,
                    status="published", certificate_enabled=True)
    db.session.add_all([member, course])
    db.session.flush()
    enrollment = Enrollment(user_id=member.id, course_id=course.id,
                            completed_at=datetime.now(UTC))
    db.session.add(enrollment)
    db.session.flush()
    certificate = issue_certificate(member, course, enrollment)
    db.session.commit()
    return current_credential(certificate.id).jwt


def verify_vs_healthz(app, runs: int) -> dict[str, float]:
    token = seeded_token(app)
    client = app.test_client()

    def verify() -> None:
        response = client.post("/api/v1/credentials/verify", json={"credential": token})
        assert response.status_code == 200 and response.json["verified"], response.json

    def healthz() -> None:
        assert client.get("/healthz").status_code == 200

    medians = interleaved({"healthz": healthz, "verify": verify}, runs)
    return {"healthz_ms": medians["healthz"] * 1000, "verify_ms": medians["verify"] * 1000,
            "ratio": medians["healthz"] / medians["verify"]}


def verify_over_http(folder: Path, token: str, blocks: int, per_block: int = 100) -> dict:
    """Server CPU per request of verify and healthz, interleaved blocks on one worker."""
    import requests

    from tests.perf.harness import Server

    env = {"LMS_CREDENTIAL_KEY_FILE": str(folder / "k.json"),
           "LMS_CREDENTIAL_VERIFY_LIMIT": "100000000/minute", "LMS_PERF_COUNT_QUERIES": "0"}
    cpu: dict[str, list[float]] = {"healthz": [], "verify": []}
    with Server(f"sqlite:///{folder / 'bench.db'}", folder / "server.log", workers=1,
                env=env) as server, requests.Session() as http:
        calls = {"healthz": lambda: http.get(server.url + "/healthz", timeout=10),
                 "verify": lambda: http.post(server.url + "/api/v1/credentials/verify",
                                             json={"credential": token}, timeout=10)}
        assert calls["verify"]().json()["verified"] is True
        for _ in range(blocks):
            for label, call in calls.items():
                before = server.cpu_seconds()
                for _ in range(per_block):
                    call()
                cpu[label].append((server.cpu_seconds() - before) / per_block)
    healthz, verify = (statistics.median(cpu[label]) for label in ("healthz", "verify"))
    return {"healthz_cpu_ms": healthz * 1000, "verify_cpu_ms": verify * 1000,
            "ratio": healthz / verify}


def main(runs: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-credentials-"))
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}",
                     MEDIA_DIR=str(folder / "media"), CREDENTIAL_KEY_FILE=str(folder / "k.json"),
                     CREDENTIAL_VERIFY_LIMIT="100000000/minute", LOG_FORMAT=None)
    with app.app_context():
        from lms.extensions import db

        db.create_all()
        issuance = interleaved({"pdf": render_pdf, "credential": sign_credential}, runs)
        verification = verify_vs_healthz(app, runs * 5)
        token = seeded_token_again(app)
    return {"runs": runs,
            "issuance": {"pdf_ms": issuance["pdf"] * 1000,
                         "credential_ms": issuance["credential"] * 1000},
            "verification": verification,
            "verification_http": verify_over_http(folder, token, blocks=max(runs // 20, 3))}


def seeded_token_again(app) -> str:
    from lms.certificates.models import Credential
    from lms.extensions import db

    return db.session.execute(db.select(Credential.jwt)).scalar_one()


def report(result: dict) -> None:
    issuance, verification = result["issuance"], result["verification"]
    print("| measure | median | goal | met |\n|---|---|---|---|")
    print(f"| PDF render | {issuance['pdf_ms']:.2f} ms | (baseline) | |")
    added = issuance["credential_ms"]
    print(f"| credential build + sign + JSON | {added:.3f} ms "
          f"({added / issuance['pdf_ms']:.1%} of the PDF) | ≤ {ADDED_MS_GOAL} ms | "
          f"{'yes' if added <= ADDED_MS_GOAL else 'no'} |")
    ratio = verification["ratio"]
    print(f"| verify API vs /healthz, in-process | {verification['verify_ms']:.2f} ms vs "
          f"{verification['healthz_ms']:.2f} ms: {ratio:.0%} | ≥ {VERIFY_RATIO_GOAL:.0%} | "
          f"{'yes' if ratio >= VERIFY_RATIO_GOAL else 'no'} |")
    http = result["verification_http"]
    print(f"| verify API vs /healthz, gunicorn CPU per request | {http['verify_cpu_ms']:.2f} ms "
          f"vs {http['healthz_cpu_ms']:.2f} ms: {http['ratio']:.0%} | "
          f"≥ {VERIFY_RATIO_GOAL:.0%} | {'yes' if http['ratio'] >= VERIFY_RATIO_GOAL else 'no'} |")


if __name__ == "__main__":
    outcome = main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    report(outcome)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(outcome, indent=2), encoding="utf-8")
