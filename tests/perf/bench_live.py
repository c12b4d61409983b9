"""Live webinars against /healthz, and a 5,000-registrant join burst (PostgreSQL, wrk).

    .venv/bin/python tests/perf/bench_live.py [--seconds 10] [--registrants 5000] \
        [--burst-seconds 60] [--pg-url URL] [--repeat 3]

Seeds a database of its own (``lms_perf_live``, made afresh each run): one webinar
course, one session whose join window is open (it starts in 10 minutes and lasts
three hours) and ``--registrants`` members registered for it, each with an API token.
Then, on gunicorn with the production settings (``harness.Server``), with wrk:

- ``GET /healthz``: the ceiling;
- ``GET /api/v1/sessions/{id}/join`` with the members' tokens in turn (302 to the
  meeting; the first click of each member is recorded, later ones read only);
- ``POST /api/v1/sessions/{id}/registration`` by registered members (200: the session
  row is locked and the member's place read, as for every registration);
- ``GET /webinars`` as an anonymous visitor (the page cache);
- the burst: every registrant's token in turn on the join endpoint for
  ``--burst-seconds`` with 64 connections: p99 and errors.

Issue 18's targets: join ≥ 30 % of /healthz, registration ≥ 25 %, /webinars ≥ 50 %,
the burst's p99 < 500 ms with no error. Results go to ``tests/perf/results/live.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.perf import harness  # noqa: E402

RESULTS = ROOT / "tests" / "perf" / "results"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASE = "lms_perf_live"
TARGETS = {"join": 0.30, "registration": 0.25, "webinars": 0.50}


def fresh_database(pg_url: str) -> str:
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return make_url(pg_url).set(database=DATABASE).render_as_string(hide_password=False)


def seed(url: str, registrants: int) -> tuple[int, list[str]]:
    """The course, the open session and its registrants; returns the session id and tokens."""
    from lms import create_app
    from lms.accounts.models import ApiToken, User
    from lms.accounts.tokens import hash_token
    from lms.catalog.models import Course, Enrollment
    from lms.extensions import db
    from lms.live.models import LiveSession, Registration

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    now = datetime.now(UTC)
    tokens = [f"lms_live-{n}-{secrets.token_hex(8)}" for n in range(registrants)]
    with app.app_context():
        db.create_all()
        course = Course(slug="live-bench", title="Linked data basics", summary="A webinar",
                        format="webinar", status="published", access="open")
        db.session.add(course)
        db.session.flush()
        session = LiveSession(course_id=course.id, starts_at=now + timedelta(minutes=10),
                              ends_at=now + timedelta(hours=3), capacity=registrants,
                              join_url="https://meet.example.org/j/bench", min_minutes=60,
                              registered_count=registrants)
        db.session.add(session)
        db.session.flush()
        ids = db.session.execute(insert(User).returning(User.id), [
            {"email": f"live{n}@example.org", "name": f"Member {n}",
             "certificate_name": f"Member {n}", "password_hash": "!"}
            for n in range(registrants)]).scalars().all()
        db.session.execute(insert(ApiToken), [
            {"user_id": user_id, "name": "bench", "token_hash": hash_token(token),
             "created_at": now, "expires_at": now + timedelta(days=1)}
            for user_id, token in zip(ids, tokens, strict=True)])
        db.session.execute(insert(Enrollment), [
            {"user_id": user_id, "course_id": course.id, "enrolled_at": now} for user_id in ids])
        db.session.execute(insert(Registration), [
            {"session_id": session.id, "user_id": user_id, "status": "registered",
             "created_at": now} for user_id in ids])
        db.session.commit()
        session_id = session.id
        db.engine.dispose()
    return session_id, tokens


def measure(server: harness.Server, session_id: int, tokens: list[str], seconds: int
            ) -> dict[str, harness.WrkResult]:
    base = server.url
    some = tokens[:500]  # a Lua table of 5,000 prepared requests per thread is slow to build
    return {
        "healthz": harness.run_wrk(f"{base}/healthz", seconds, {}),
        "join": harness.run_wrk(f"{base}/api/v1/sessions/{session_id}/join", seconds, {},
                                harness.lua_script("GET", None, some)),
        "registration": harness.run_wrk(
            f"{base}/api/v1/sessions/{session_id}/registration", seconds, {},
            harness.lua_script("POST", "{}", some)),
        "webinars": harness.run_wrk(f"{base}/webinars", seconds, {}),
    }


def burst(server: harness.Server, session_id: int, tokens: list[str], seconds: int
          ) -> harness.WrkResult:
    return harness.run_wrk(f"{server.url}/api/v1/sessions/{session_id}/join", seconds, {},
                           harness.lua_script("GET", None, tokens), connections=64)


def report(rounds: list[dict[str, harness.WrkResult]], burst_result: harness.WrkResult | None
           ) -> dict:
    names = rounds[0].keys()
    rps = {name: statistics.median(r[name].rps for r in rounds) for name in names}
    rows = {name: {"rps": round(rps[name], 1),
                   "ratio": round(rps[name] / rps["healthz"], 3),
                   "p99_ms": statistics.median(r[name].p99_ms for r in rounds),
                   "errors": sum(r[name].errors for r in rounds),
                   "target": TARGETS.get(name)} for name in names}
    summary = {"pages": rows}
    if burst_result is not None:
        summary["burst"] = {"requests": burst_result.requests, "rps": burst_result.rps,
                            "p99_ms": burst_result.p99_ms, "errors": burst_result.errors,
                            "met": burst_result.p99_ms < 500 and burst_result.errors == 0}
    return summary


def markdown(summary: dict) -> str:
    lines = ["| endpoint | req/s | of /healthz | target | p99 ms | errors |",
             "|---|---|---|---|---|---|"]
    for name, row in summary["pages"].items():
        target = f"≥ {row['target']:.0%}" if row["target"] else "—"
        lines.append(f"| {name} | {row['rps']} | {row['ratio']:.0%} | {target} | "
                     f"{row['p99_ms']:.1f} | {row['errors']} |")
    if "burst" in summary:
        b = summary["burst"]
        lines.append(f"\nBurst: {b['requests']} joins at {b['rps']:.0f}/s, p99 "
                     f"{b['p99_ms']:.1f} ms, {b['errors']} errors (target p99 < 500 ms, "
                     f"no error: {'met' if b['met'] else 'not met'}).")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--registrants", type=int, default=5000)
    parser.add_argument("--burst-seconds", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    url = fresh_database(args.pg_url)
    session_id, tokens = seed(url, args.registrants)
    with harness.Server(url, RESULTS / "live-gunicorn.log") as server:
        rounds = [measure(server, session_id, tokens, args.seconds) for _ in range(args.repeat)]
        burst_result = burst(server, session_id, tokens, args.burst_seconds) \
            if args.burst_seconds else None
    summary = report(rounds, burst_result)
    (RESULTS / "live.json").write_text(json.dumps(summary, indent=2))
    (RESULTS / "live.md").write_text(markdown(summary))
    print(markdown(summary))


if __name__ == "__main__":
    main()
