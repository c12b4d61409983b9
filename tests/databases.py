"""A database of a test's own: a new SQLite file, or a new database on the PostgreSQL
server named by ``LMS_TEST_DATABASE_URL``, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

#: The PostgreSQL server of tests that need one whatever the run's database.
PG_URL = os.environ.get("LMS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(sqlite_file: Path, prefix: str = "lms_test") -> Iterator[str]:
    """Yield the URL of a new, empty database (``sqlite_file`` without a server)."""
    server = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{sqlite_file}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # a test run need not wait for each commit to reach the disk
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL database; the test skips without a server."""
    if not PG_URL.startswith("postgresql"):
        pytest.skip("LMS_TEST_DATABASE_URL is not PostgreSQL")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {make_url(PG_URL).host}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
