"""Migrations build the whole schema on empty SQLite and PostgreSQL databases, without drift."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from lms import ROOT, create_app
from lms.extensions import db
from tests.databases import postgres_database


def upgrade_and_check(url: str) -> None:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["db", "check"])
    with app.app_context():
        db.engine.dispose()
    assert result.exit_code == 0, result.output


def test_upgrade_empty_sqlite_file(tmp_path):
    upgrade_and_check(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.fixture
def empty_postgres():
    with postgres_database("lms_migrate") as url:
        yield url


def test_upgrade_empty_postgres(empty_postgres):
    upgrade_and_check(empty_postgres)


def test_progress_rows_leave_room_for_hot_updates_on_postgres(empty_postgres):
    """Both ways of making the schema (migrations, and ``create_all`` as tests and the
    scale seed do) give item_progress the fillfactor its updates rely on."""
    from lms.progress.models import ITEM_PROGRESS_FILLFACTOR

    upgrade_and_check(empty_postgres)
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        options = conn.scalar(text("SELECT reloptions FROM pg_class "
                                   "WHERE relname = 'item_progress'"))
    engine.dispose()
    assert f"fillfactor={ITEM_PROGRESS_FILLFACTOR}" in options
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_postgres)
    with app.app_context():
        db.drop_all()
        db.create_all()
        options = db.session.scalar(text("SELECT reloptions FROM pg_class "
                                         "WHERE relname = 'item_progress'"))
        db.session.remove()
        db.engine.dispose()
    assert f"fillfactor={ITEM_PROGRESS_FILLFACTOR}" in options
