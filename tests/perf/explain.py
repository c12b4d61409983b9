"""Query plans of every statement the benchmarked pages run, on a seeded PostgreSQL.

    .venv/bin/python tests/perf/explain.py --size large [--all]

Requests each page once through the app (in process), records the statements
with their parameters, and runs ``EXPLAIN (ANALYZE, BUFFERS)`` on each SELECT.
Prints the slowest statements first (``--all``: every plan) and writes
``tests/perf/results/explain-<size>.txt``: the evidence an index needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from tests.factories import Auth  # noqa: E402
from tests.perf.run import DEFAULT_PG, database_url  # noqa: E402
from tests.perf.scenarios import LOGIN, Scenario, Targets, find_targets, scenarios  # noqa: E402

RESULTS = ROOT / "tests" / "perf" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--all", action="store_true", help="print every plan, not the top 10")
    args = parser.parse_args()
    os.environ.setdefault("LMS_INSTANCE_PATH", str(RESULTS / "instance"))
    app = create_app("default", SQLALCHEMY_DATABASE_URI=database_url(
        "postgresql", args.size, args.pg_url), RATELIMIT_ENABLED=True,
        CERTIFICATE_VERIFY_LIMIT="1000000/minute")
    with app.app_context():
        targets = find_targets(db.engine, args.seed)
    plans = [plan for s in scenarios(targets) if not _trivial(s)
             for plan in explain_page(app, s, targets)]
    plans.sort(key=lambda plan: -plan[0])
    text = "\n\n".join(f"== {ms:.2f} ms  {page}\n{sql}\n{plan}" for ms, page, sql, plan in plans)
    (RESULTS / f"explain-{args.size}.txt").write_text(text + "\n")
    shown = plans if args.all else plans[:10]
    print("\n\n".join(f"== {ms:.2f} ms  {page}\n{sql}\n{plan}" for ms, page, sql, plan in shown))


def _trivial(scenario: Scenario) -> bool:
    return scenario.name == "healthz" or scenario.path.startswith("/static/")


def explain_page(app, scenario: Scenario, targets: Targets) -> list[tuple]:
    """``(ms, page, statement, plan)`` for each SELECT the page runs."""
    statements = record(app, scenario, targets)
    found = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                for sql, params in statements:
                    if not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plan = "\n".join(_clip(row[0], 240) for row in cursor.fetchall())
                    found.append((_execution_ms(plan), scenario.name,
                                  _clip(" ".join(sql.split()), 600), plan))
            raw.rollback()
        finally:
            raw.close()
    return found


def record(app, scenario: Scenario, targets: Targets) -> list[tuple[str, object]]:
    client = app.test_client()
    if scenario.auth == "cookie":
        Auth(client).login(LOGIN["email"], LOGIN["password"])
    headers = {"Content-Type": "application/json"}
    if scenario.auth == "staff token":
        headers["Authorization"] = f"Bearer {targets.staff_token()}"
    elif scenario.auth == "member tokens":
        headers["Authorization"] = f"Bearer {targets.member_tokens()[0]}"
    seen: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with client.open(scenario.path, method=scenario.method, data=scenario.body,
                         headers=headers) as response:
            print(f"{scenario.name}: {response.status_code}, {len(seen)} statements",
                  file=sys.stderr)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length] + " …"


def _execution_ms(plan: str) -> float:
    for line in reversed(plan.splitlines()):
        if line.startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return 0.0


if __name__ == "__main__":
    main()
