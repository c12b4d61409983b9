"""The editions migration on a database that already holds a certificate (SQLite and
PostgreSQL): existing rows become edition 1, and the unique constraint becomes (member,
course, edition)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    text,
)
from sqlalchemy.exc import IntegrityError

from lms import ROOT, create_app
from lms.extensions import db
from tests.databases import postgres_database

BEFORE = "5225eccaa444"
MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'before.db'}"
        return
    with postgres_database("lms_editions") as url:
        yield url


def filler(column, n: int):
    """A plausible value for a NOT NULL column the test does not care about."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return datetime(2024, 1, 1, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2024, 1, 1)
    if isinstance(kind, Numeric | Float):
        return Decimal(1)
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, JSON):
        return []
    return f"{column.name}-{n}"


def insert(conn, tables, name: str, n: int = 1, **values) -> None:
    """Insert a row giving every required column without a default a filler value."""
    table = tables[name]
    row = {column.name: filler(column, n) for column in table.columns
           if not column.nullable and column.server_default is None
           and not column.primary_key and column.name not in values}
    conn.execute(table.insert().values(id=n, **row, **values))


def test_existing_certificates_become_edition_1(database):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        tables = MetaData()
        tables.reflect(db.engine)
        with db.engine.begin() as conn:
            insert(conn, tables.tables, "user", email="held@example.org")
            insert(conn, tables.tables, "course", slug="kept-course")
            insert(conn, tables.tables, "enrollment", user_id=1, course_id=1)
            insert(conn, tables.tables, "certificate", user_id=1, course_id=1,
                   code="K7Q4-M2XD-9F3A-P8TR-5WVE")
            insert(conn, tables.tables, "certificate_version", certificate_id=1, version=1)
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT edition FROM certificate")).scalar_one() == 1
            assert conn.execute(text("SELECT edition FROM enrollment")).scalar_one() == 1
            assert conn.execute(text("SELECT renewal_window_days FROM course")).scalar_one() == 60
            # Copying the certificate table (SQLite) must not cascade to its PDF versions.
            assert conn.execute(text("SELECT count(*) FROM certificate_version")).scalar() == 1
        tables = MetaData()
        tables.reflect(db.engine)
        with db.engine.begin() as conn:
            insert(conn, tables.tables, "certificate", 2, user_id=1, course_id=1, edition=2,
                   code="K7Q4-M2XD-9F3A-P8TR-5WV2")
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            insert(conn, tables.tables, "certificate", 3, user_id=1, course_id=1, edition=2,
                   code="K7Q4-M2XD-9F3A-P8TR-5WV3")
        downgrade(directory=MIGRATIONS, revision=BEFORE)
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT code FROM certificate")).scalars().all() == [
                "K7Q4-M2XD-9F3A-P8TR-5WVE"]
            assert conn.execute(text("SELECT count(*) FROM enrollment")).scalar() == 1
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()
