"""PostgreSQL page views read without BEGIN/ROLLBACK; writes keep their transactions.

A request shares the test's session (one app context), and reads in autocommit
only when that session holds no transaction, as every request's does in
production: the tests end theirs (``commit``) before requesting.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from lms.extensions import db
from lms.progress.models import ItemProgress
from tests.factories import enrol, make_course, make_user


@pytest.fixture
def autocommit_log(app_ctx):
    """Whether each statement ran on an autocommit connection, in order."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no round trips to save")
    seen: list[bool] = []

    def record(conn, *_args) -> None:
        seen.append(conn.connection.dbapi_connection.autocommit)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_pages_read_in_autocommit_and_forms_write_in_a_transaction(client, auth,
                                                                   autocommit_log):
    member = make_user()
    slug = make_course(modules=1, items_per_module=1).slug
    auth.login(member.email)
    db.session.commit()
    autocommit_log.clear()
    assert client.get(f"/courses/{slug}").status_code == 200
    assert autocommit_log and all(autocommit_log)

    token = auth.any_csrf()
    db.session.commit()
    autocommit_log.clear()
    answer = client.post(f"/courses/{slug}/enrol", data={"csrf_token": token})
    assert answer.status_code == 302
    assert autocommit_log and not any(autocommit_log[-3:])  # the enrolment's statements


def test_the_players_first_open_clock_is_stored_from_an_autocommit_read(client, auth,
                                                                        autocommit_log):
    member = make_user()
    course = make_course(modules=1, items_per_module=1)
    enrol(member, course)
    member_id, slug, item_id = member.id, course.slug, course.modules[0].items[0].id
    auth.login(member.email)
    db.session.commit()
    autocommit_log.clear()
    assert client.get(f"/learn/{slug}/items/{item_id}").status_code == 200
    assert autocommit_log and all(autocommit_log)
    opened = db.session.scalar(select(ItemProgress.first_opened_at).where(
        ItemProgress.user_id == member_id, ItemProgress.item_id == item_id))
    assert opened is not None


def test_timestamps_come_back_in_utc_whatever_the_servers_zone(app_ctx):
    """PostgreSQL sessions are opened in UTC, so a completion at 01:30 UTC on 1 March
    is March for the database too (a server defaulting to New York would say February),
    and timestamps carry ``datetime.UTC`` itself."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from lms.database import postgres_session_settings

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite stores naive UTC")
    instant = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    month = db.session.execute(text("SELECT date_trunc('month', CAST(:t AS timestamptz))"),
                               {"t": instant}).scalar_one()
    assert month == datetime(2026, 3, 1, tzinfo=UTC) and month.tzinfo is UTC
    config = {"SQLALCHEMY_DATABASE_URI": "postgresql://db/lms",
              "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c work_mem=64MB"},
                                            "pool_size": 3}}
    postgres_session_settings(config)
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 3  # nothing else is lost
    assert (config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
            == "-c work_mem=64MB -c TimeZone=UTC -c max_parallel_workers_per_gather=0")
    assert db.session.execute(text("SHOW max_parallel_workers_per_gather")).scalar_one() == "0"
