"""Discussions: the 200-post thread page and a course's thread list against /healthz.

    .venv/bin/python tests/perf/bench_discussions.py [--databases postgresql] [--repeat 3]

The two pages are scenarios of the page benchmark (tests/perf/scenarios.py, seeded
by ``seed-scale``: 20 threads of 10 posts per course, thread 1 with 200 posts); this
runs just them and /healthz, and writes ``tests/perf/results/discussions.{json,md}``.
README.md, "Discussions", gives the method and the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from tests.perf import run  # noqa: E402


def database_url(database: str, size: str, pg_url: str) -> str:
    """Databases of its own (``lms_perf_discussions_<size>``): the page benchmark's may
    have been seeded before seed-scale made discussions."""
    if database == "sqlite":
        return f"sqlite:///{run.RESULTS / f'lms_perf_discussions_{size}.sqlite'}"
    return make_url(pg_url).set(database=f"lms_perf_discussions_{size}").render_as_string(False)


def main() -> None:
    run.database_url = database_url
    extra = sys.argv[1:]
    defaults = ["--databases", "postgresql", "--only", "discussion", "--out", "discussions"]
    sys.argv = [sys.argv[0], *defaults, *extra]
    run.main()


if __name__ == "__main__":
    main()
