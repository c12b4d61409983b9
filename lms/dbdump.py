"""Whole-database dumps for ``lms backup`` and ``lms restore``.

PostgreSQL: ``pg_dump`` in its custom format, loaded by ``pg_restore`` in one
transaction (all or nothing). SQLite: the online backup API, page by page while
the app keeps running. Both dumps are snapshots: ``dump`` also hands a
connection that sees exactly the dumped data to a callback, so whatever the
backup records beside the dump (row counts, the storage keys rows refer to)
describes the same moment.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL

T = TypeVar("T")

#: The file each dialect's dump is written to, inside the backup folder.
DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class DumpError(Exception):
    """A dump or load could not run; the message says what to do."""


def dump(engine: Engine, target: Path, inspect_snapshot: Callable[[Connection], T]) -> T:
    """Write the whole database to ``target``; returns ``inspect_snapshot`` of the same data."""
    if engine.dialect.name == "postgresql":
        return _pg_dump(engine, target, inspect_snapshot)
    if engine.dialect.name == "sqlite":
        return _sqlite_dump(engine, target, inspect_snapshot)
    raise DumpError(f"cannot back up a {engine.dialect.name} database")


def load(engine: Engine, source: Path) -> None:
    """Load a dump made by ``dump`` into the (empty) database of ``engine``."""
    if engine.dialect.name == "postgresql":
        _pg_restore(engine, source)
    else:
        _sqlite_restore(engine, source)
    engine.dispose()


def table_names(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table, for every table the database has (not only the app's models)."""
    return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in table_names(conn)}


def revision(conn: Connection) -> str | None:
    """The Alembic revision the schema is at; None when it was not made by migrations."""
    if "alembic_version" not in table_names(conn):
        return None
    heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(heads)) or None


# -- PostgreSQL -----------------------------------------------------------------


def _pg_dump(engine: Engine, target: Path, inspect_snapshot: Callable[[Connection], T]) -> T:
    """``pg_dump --snapshot`` shares a repeatable-read transaction that we keep open."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            _run_pg("pg_dump", engine.url, "--format=custom", f"--snapshot={snapshot}",
                    f"--file={target}")
            return inspect_snapshot(conn)


def _pg_restore(engine: Engine, source: Path) -> None:
    _run_pg("pg_restore", engine.url, "--exit-on-error", "--single-transaction", "--no-owner",
            "--no-privileges", str(source))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # pg_restore leaves the planner without statistics


def _run_pg(program: str, url: URL, *args: str) -> None:
    """Run a PostgreSQL client program; the password travels in the environment only."""
    executable = shutil.which(program)
    if executable is None:
        raise DumpError(f"{program} is not installed: install the PostgreSQL client "
                        "(Debian: apt-get install postgresql-client) of the server's version "
                        "or newer")
    libpq_url = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    command = [executable, f"--dbname={libpq_url.render_as_string(hide_password=False)}", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (no shell; our own arguments)
    if result.returncode != 0:
        raise DumpError(f"{program} failed: {result.stderr.strip() or result.returncode}")


# -- SQLite ---------------------------------------------------------------------


def _sqlite_dump(engine: Engine, target: Path,
                 inspect_snapshot: Callable[[Connection], T]) -> T:
    raw = engine.raw_connection()
    try:
        with closing(sqlite3.connect(target)) as copy:
            raw.driver_connection.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    finally:
        raw.close()
    snapshot = create_engine(f"sqlite:///{target}")
    try:
        with snapshot.connect() as conn:
            return inspect_snapshot(conn)
    finally:
        snapshot.dispose()


def _sqlite_restore(engine: Engine, source: Path) -> None:
    raw = engine.raw_connection()
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as dumped:
            dumped.backup(raw.driver_connection)
    finally:
        raw.close()
