"""Engine settings that depend on the database in use."""

from __future__ import annotations

from flask import Flask, g, request
from sqlalchemy import event

from lms.extensions import db


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        elif app.config.get("AUTOCOMMIT_READS", True):
            app.before_request(read_without_transaction)


def sessions_in_utc(config: dict) -> None:
    """Open PostgreSQL sessions with ``TimeZone=UTC``, whatever the server's default.

    Dates grouped or printed by the database then never depend on the server's
    zone, and psycopg hands timestamps back with ``datetime.UTC`` itself, which
    ``UTCDateTime`` passes through untouched (a report reads thousands of them).
    """
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    given = connect_args.get("options", "")
    if "timezone=" not in given.lower():
        connect_args["options"] = f"{given} -c TimeZone=UTC".strip()
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options | {"connect_args": connect_args}


def read_without_transaction() -> None:
    """GET and HEAD requests on PostgreSQL read in autocommit mode (``RequestSession``).

    Saves the ``BEGIN`` and ``ROLLBACK`` round trips of every page view. Skipped when
    the session is already in a transaction (a test holding one open).
    """
    if request.method in ("GET", "HEAD") and not db.session().in_transaction():
        g.autocommit_reads = True


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, enforced foreign keys, and wait rather than fail on locks."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def render_item(kind: str, obj, autogen_context):
    """Write our UTC timestamp type as a plain timezone-aware DateTime in migrations."""
    from lms.extensions import UTCDateTime

    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, kind: str, parent_names) -> bool:
    """Leave full-text search tables (virtual, made by their own DDL) out of autogenerate."""
    return not (kind == "table" and name and name.startswith("course_fts"))


#: Made by hand in the migrations (an expression index Alembic cannot compare).
HAND_MADE_INDEXES = {"ix_course_search"}


def include_object(obj, name: str | None, kind: str, reflected: bool, compare_to) -> bool:
    return not (kind == "index" and name in HAND_MADE_INDEXES)


MIGRATE_OPTIONS = {
    "render_as_batch": True,  # SQLite can only ALTER tables by copying them
    "compare_type": True,
    "render_item": render_item,
    "include_name": include_name,
    "include_object": include_object,
}
