"""Load benchmark: gunicorn (production settings, 2 sync workers) driven by wrk.

    .venv/bin/python tests/perf/run.py                       # small, SQLite and PostgreSQL
    .venv/bin/python tests/perf/run.py --sizes small,large --databases postgresql

Seeds each database once with ``flask lms seed-scale`` (reused afterwards) and
writes ``tests/perf/results/latest.json`` and ``latest.md``. See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from lms.scaledata.plan import SIZES  # noqa: E402
from tests.perf import harness  # noqa: E402
from tests.perf.scenarios import LOGIN, Scenario, Targets, find_targets, scenarios  # noqa: E402

RESULTS = ROOT / "tests" / "perf" / "results"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for database in args.databases.split(","):
        for size in args.sizes.split(","):
            url = database_url(database, size, args.pg_url)
            ensure_seeded(url, size, args.seed, args.reseed)
            runs = [bench(database, size, url, args) for _ in range(args.repeat)]
            rows += median_rows(runs)
    report = {"machine": machine(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "commit": git_commit(), "command": " ".join(sys.argv),
              "wrk": {"threads": 2, "connections": args.connections, "seconds": args.seconds},
              "repeat": args.repeat,
              "rows": rows}
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    for name in (f"{args.out}.json", f"run-{stamp}.json"):
        (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{args.out}.md").write_text(markdown(report))
    print(markdown(report))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="small", help="small, large (comma-separated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", default="",
                        help="run only scenarios whose name has one of these (comma-separated)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every page this many times; report each page's median run")
    parser.add_argument("--reseed", action="store_true", help="drop and seed again")
    parser.add_argument("--out", default="latest", help="results file name (without suffix)")
    parser.add_argument("--pg-url", default=DEFAULT_PG,
                        help="a PostgreSQL URL whose user may CREATE DATABASE")
    return parser.parse_args()


def database_url(database: str, size: str, pg_url: str) -> str:
    if database == "sqlite":
        return f"sqlite:///{RESULTS / f'lms_perf_{size}.sqlite'}"
    if database == "postgresql":
        return make_url(pg_url).set(database=f"lms_perf_{size}").render_as_string(False)
    raise SystemExit(f"unknown database {database!r}: sqlite or postgresql")


def ensure_seeded(url: str, size: str, seed: int, reseed: bool) -> None:
    """Seed the database unless it already holds this size (reseed: start over)."""
    if reseed or not already_seeded(url, size):
        recreate(url)
        flask = str(Path(sys.executable).parent / "flask")
        subprocess.run([flask, "--app", "wsgi", "lms", "seed-scale",
                        "--size", size, "--seed", str(seed), "--database-url", url],
                       cwd=ROOT, check=True, env={**os.environ, "LMS_INSTANCE_PATH":
                                                  str(RESULTS / "instance")})


def already_seeded(url: str, size: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            members = conn.scalar(text('SELECT count(*) FROM "user"'))
    except SQLAlchemyError:  # no database or no schema yet: seed it
        return False
    finally:
        engine.dispose()
    if members and members != SIZES[size].members + 1:
        raise SystemExit(f"{url} holds another size ({members} users); use --reseed")
    return bool(members)


def recreate(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def median_rows(runs: list[list[dict]]) -> list[dict]:
    """Each page's run with the median ratio to /healthz (ratios are taken within a run,
    so a machine that speeds up or slows down between runs moves both sides)."""
    if len(runs) == 1:
        return runs[0]
    rows = []
    for position, first in enumerate(runs[0]):
        same = [run[position] for run in runs]
        measured = sorted((r for r in same if r.get("ratio") is not None),
                          key=lambda r: r["ratio"])
        chosen = dict(measured[len(measured) // 2]) if measured else dict(first)
        chosen["ratios"] = [r.get("ratio") for r in same]
        rows.append(chosen)
    return rows


def bench(database: str, size: str, url: str, args: argparse.Namespace) -> list[dict]:
    engine = create_engine(url)
    targets = find_targets(engine, args.seed)
    engine.dispose()
    log = RESULTS / f"gunicorn-{database}-{size}.log"
    with harness.Server(url, log) as server:
        cookie = harness.login(server.url, LOGIN["email"], LOGIN["password"])
        wanted = args.only.split(",")
        chosen = [s for s in scenarios(targets)
                  if any(part in s.name for part in wanted) or s.name == "healthz"]
        rows = [measure(server, s, targets, cookie, args) for s in chosen]
        rows.append(measure(server, chosen[0], targets, cookie, args))  # ceiling, again
    ceiling = sum(r["rps"] for r in rows if r["name"] == "healthz") / 2
    for row in rows:
        row.update(database=database, size=size,
                   ratio=round(row["rps"] / ceiling, 3) if "rps" in row else None)
    return rows


def measure(server: harness.Server, scenario: Scenario, targets: Targets, cookie: str,
            args: argparse.Namespace) -> dict:
    headers = auth_headers(scenario, targets, cookie)
    # Four probes: the first may build what a worker keeps (outlines, rendered parts);
    # the table shows the steady state, the JSON both.
    probes = [requests.request(scenario.method, server.url + scenario.path,
                               data=scenario.body, timeout=60, allow_redirects=False,
                               headers={**headers, "User-Agent": harness.USER_AGENT,
                                        "Content-Type": "application/json"})
              for _ in range(4)]
    probe = probes[-1]
    counts = [int(p.headers.get("X-Query-Count", -1)) for p in probes]
    row = {"name": scenario.name, "path": scenario.path, "target": scenario.target,
           "status": probe.status_code, "queries": min(counts), "queries_first": counts[0]}
    print(f"  {scenario.name:<32} {probe.status_code} {row['queries']} queries "
          f"(first {counts[0]})", flush=True)
    if probe.status_code != 200:
        row["skipped"] = f"answers {probe.status_code}"
        return row
    script = harness.lua_script(scenario.method, scenario.body, targets.member_tokens()) \
        if scenario.auth == "member tokens" else None
    before = server.cpu_seconds()
    result = harness.run_wrk(server.url + scenario.path, args.seconds,
                             {} if script else headers, script,
                             connections=scenario.connections or args.connections)
    cpu = server.cpu_seconds() - before
    row.update(rps=round(result.rps, 1), p50_ms=round(result.p50_ms, 2),
               p99_ms=round(result.p99_ms, 2), requests=result.requests, errors=result.errors,
               cpu_ms=round(1000 * cpu / max(1, result.requests), 3))
    time.sleep(0.5)
    return row


def auth_headers(scenario: Scenario, targets: Targets, cookie: str) -> dict[str, str]:
    if scenario.auth == "cookie":
        return {"Cookie": f"session={cookie}"}
    if scenario.auth == "staff token":
        return {"Authorization": f"Bearer {targets.staff_token()}"}
    if scenario.auth == "member tokens":
        return {"Authorization": f"Bearer {targets.member_tokens()[0]}"}
    return {}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    memory = Path("/proc/meminfo").read_text().split()[1]
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(int(memory) / 2**20, 1),
            "python": platform.python_version(), "load_avg": os.getloadavg()}


def git_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                          capture_output=True).stdout.strip()


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [f"Run {report['date']} on {m['cpus']} × {m['cpu']}, {m['memory_gib']} GiB "
             f"(load {', '.join(f'{x:.1f}' for x in m['load_avg'])}); commit "
             f"{report['commit']}; wrk {report['wrk']['threads']} threads, "
             f"{report['wrk']['connections']} connections, {report['wrk']['seconds']} s each"
             + (f"; median of {report['repeat']} runs (range in brackets)."
                if report.get("repeat", 1) > 1 else "."),
             "", "| db | size | page | req/s | of /healthz | target | p50 ms | p99 ms "
             "| CPU ms/req | queries/req | errors |", "|---" * 11 + "|"]
    for r in report["rows"]:
        if "skipped" in r:
            lines.append(f"| {r['database']} | {r['size']} | {r['name']} | — | — | "
                         f"{r['target']} | — | — | — | — | skipped: {r['skipped']} |")
            continue
        if not r["requests"]:
            slow = f"> {report['wrk']['seconds']} s"
            lines.append(f"| {r['database']} | {r['size']} | {r['name']} | 0 | 0% | "
                         f"{r['target']} | {slow} | {slow} | {r['cpu_ms']:.0f} | {r['queries']} | "
                         f"none finished |")
            continue
        spread = ""
        if len(r.get("ratios") or []) > 1 and r["name"] != "healthz":
            low, high = min(r["ratios"]), max(r["ratios"])
            spread = f" ({100 * low:.0f}–{100 * high:.0f})"
        lines.append(f"| {r['database']} | {r['size']} | {r['name']} | {r['rps']:.0f} | "
                     f"{100 * r['ratio']:.0f}%{spread} | {r['target']} | {r['p50_ms']:.2f} | "
                     f"{r['p99_ms']:.2f} | {r['cpu_ms']:.2f} | {r['queries']} | {r['errors']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
