"""Engine settings that depend on the database in use."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, g, request
from sqlalchemy import Connection, event, inspect
from sqlalchemy.orm import configure_mappers
from sqlalchemy.sql import Executable

from lms.extensions import db


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        elif app.config.get("AUTOCOMMIT_READS", True):
            app.before_request(read_without_transaction)


def postgres_session_settings(config: dict) -> None:
    """Settings every PostgreSQL session of the app starts with (libpq ``options``),
    unless the engine options already set them.

    - ``TimeZone=UTC``: dates grouped or printed by the database never depend on the
      server's zone, and psycopg hands timestamps back with ``datetime.UTC`` itself,
      which ``UTCDateTime`` passes through untouched (a report reads thousands).
    - ``max_parallel_workers_per_gather`` from ``DATABASE_PARALLEL_WORKERS`` (0 by
      default): each request's query runs on one core. Parallel plans built the
      report's per-member sums once in every worker; on 2 cores serving requests
      side by side they doubled the sorted report's p99 (tests/perf/reports/pages.md).
    """
    if not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    settings = {"TimeZone": "UTC", "max_parallel_workers_per_gather":
                config.get("DATABASE_PARALLEL_WORKERS", 0)}
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    given = connect_args.get("options", "")
    added = [f"-c {name}={value}" for name, value in settings.items()
             if f"{name.lower()}=" not in given.lower()]
    connect_args["options"] = " ".join([given, *added]).strip()
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


def upsert_insert(table):
    """An INSERT into ``table`` that can take ``on_conflict_do_nothing`` (PostgreSQL, SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    postgres = db.session.get_bind().dialect.name == "postgresql"
    return (postgresql.insert if postgres else sqlite.insert)(table)


def render_item(kind: str, obj, autogen_context):
    """Write our UTC timestamp type as a plain timezone-aware DateTime in migrations."""
    from lms.extensions import UTCDateTime

    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, kind: str, parent_names) -> bool:
    """Leave full-text search tables (virtual, made by their own DDL) out of autogenerate."""
    return not (kind == "table" and name and name.startswith(FTS_TABLES))


#: SQLite FTS5 tables (and their shadow tables), made by their own DDL.
FTS_TABLES = ("course_fts", "post_fts", "thread_fts")
#: Made by hand in the migrations (expression indexes Alembic cannot compare).
HAND_MADE_INDEXES = {"ix_course_search", "ix_discussion_post_search",
                     "ix_discussion_thread_search"}


def include_object(obj, name: str | None, kind: str, reflected: bool, compare_to) -> bool:
    return not (kind == "index" and name in HAND_MADE_INDEXES)


MIGRATE_OPTIONS = {
    "render_as_batch": True,  # SQLite can only ALTER tables by copying them
    "compare_type": True,
    "render_item": render_item,
    "include_name": include_name,
    "include_object": include_object,
}


Model = TypeVar("Model")


def as_loaded(model: type[Model], values: Mapping[str, Any]) -> Model:
    """A transient ``model`` instance holding ``values`` the way the ORM's loader fills
    one from a row: without the constructor's per-attribute events, a fifth of its CPU
    (tests/perf/reports/jobs.md). For a row the caller has just written."""
    mapper = inspect(model)
    if not mapper.configured:  # the constructor would configure them; this must too
        configure_mappers()
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


class DriverStatement:
    """A Core statement run straight on the driver's cursor: for the busiest endpoint.

    Compiled once per dialect; each run skips SQLAlchemy's execution context and
    result processing, about half the CPU of ``Connection.execute`` for a
    one-row statement (tests/perf/reports/pages.md). Only for statements whose values
    need no type processing on the dialect: plain numbers, strings, booleans, UTC
    timestamps (sessions run in UTC) and JSON wrapped by the caller. Listeners of
    ``before_cursor_execute`` still see each statement, so counts stay true.
    """

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, dict[str, Any]]] = {}

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple | None:
        """The first row of a query as a plain tuple (columns in the statement's order),
        or None."""
        with self._cursor(conn, params) as cursor:
            return cursor.fetchone()

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple]:
        """Every row of a query as plain tuples (columns in the statement's order)."""
        with self._cursor(conn, params) as cursor:
            return cursor.fetchall()

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        with self._cursor(conn, params) as cursor:
            return cursor.rowcount

    @contextmanager
    def _cursor(self, conn: Connection, params: Mapping[str, Any]) -> Iterator[Any]:
        sql, defaults = self._compiled_for(conn)
        values = defaults | dict(params)
        with conn.connection.dbapi_connection.cursor() as cursor:
            # Listeners see the statement; a listener's return value (retval=True) is
            # not used here. With none, the dispatch call is skipped, as SQLAlchemy does.
            if listeners := conn.dispatch.before_cursor_execute:
                listeners(conn, cursor, sql, values, None, False)
            cursor.execute(sql, values)
            yield cursor

    def _compiled_for(self, conn: Connection) -> tuple[str, dict[str, Any]]:
        name = conn.dialect.name
        if name not in self._compiled:
            compiled = self.statement.compile(dialect=conn.dialect)
            self._compiled[name] = (str(compiled), dict(compiled.params))
        return self._compiled[name]
