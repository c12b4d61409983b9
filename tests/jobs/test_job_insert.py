"""PostgreSQL's job insert on the driver's cursor records what SQLAlchemy's statement does."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, select

from lms.extensions import db
from lms.jobs.models import Job
from lms.jobs.service import _INSERTED, _insert_job, insert_job
from tests.databases import postgres_database

ENQUEUED_AT = datetime(2026, 12, 5, 16, 30, 15, 123456, tzinfo=UTC)


def job_values(key: str | None, **arguments) -> dict:
    return {"name": "mail.send", "arguments": arguments, "key": key, "status": "queued",
            "attempts": 0, "max_attempts": 20, "done_count": 0, "created_by_id": None,
            "parent_id": None, "enqueued_at": ENQUEUED_AT}


def recorded(conn, job_id: int) -> dict:
    row = conn.execute(select(Job.__table__).where(Job.__table__.c.id == job_id)).one()
    return {column: getattr(row, column) for column in _INSERTED}


def test_the_driver_insert_records_the_same_job_as_sqlalchemy(app):
    arguments = {"to": "ana@example.org", "subject": "Réinitialiser «mot de passe»",
                 "headers": {"List-Unsubscribe": "<https://lms.example/u/1>"}, "n": [1, 2.5]}
    with postgres_database("lms_job_insert") as url:
        engine = create_engine(url)
        try:
            db.metadata.create_all(engine)
            with app.app_context(), engine.begin() as conn:
                fast = insert_job(conn, job_values("fast", **arguments))
                general = conn.execute(_insert_job("postgresql"),
                                       job_values("general", **arguments)).scalar()
                taken = (insert_job(conn, job_values("fast", other=True)),
                         conn.execute(_insert_job("postgresql"),
                                      job_values("general", other=True)).scalar())
                rows = recorded(conn, fast), recorded(conn, general)
        finally:
            engine.dispose()
    assert taken == (None, None)
    assert rows[0] == rows[1] | {"key": "fast"}
    assert rows[0]["arguments"] == arguments and rows[0]["enqueued_at"] == ENQUEUED_AT
