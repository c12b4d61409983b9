"""The CE ledger's pages against /healthz: ``GET /api/v1/me/credits`` (members' tokens in
turn) and the ledger page ``/my-learning/credits`` (member 1, who has a renewal cycle, so
the chart is drawn), with My learning (which shows the cycle) for comparison.

    .venv/bin/python tests/perf/bench_ledger.py --databases postgresql --sizes large --repeat 3

Same method, options and output as ``run.py`` (results in ``results/ledger.{json,md}``);
the issue's target is 25 % of /healthz with a constant number of statements, which
``tests/reports/test_query_counts.py`` checks on every test run (these pages are in
``scenarios.py``). ``large`` holds 300,000 self-reported credits (three per member)
beside a credit per certificate.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf import run  # noqa: E402
from tests.perf.scenarios import Scenario, Targets, scenarios  # noqa: E402

PAGES = ("healthz", "my credits (API)", "ledger page", "my learning")


def ledger_scenarios(targets: Targets) -> list[Scenario]:
    return [s for s in scenarios(targets) if s.name in PAGES]


if __name__ == "__main__":
    if "--out" not in sys.argv:
        sys.argv += ["--out", "ledger"]
    run.scenarios = ledger_scenarios
    run.main()
