"""``flask lms seed-scale``: load association-sized synthetic data for benchmarks.

Rows come from :mod:`lms.scaledata.plan` and :mod:`lms.scaledata.learning`
(deterministic for a seed) and are written in bulk: PostgreSQL ``COPY`` through
psycopg, elsewhere SQLAlchemy Core ``insert()`` with executemany in batches.
Never one ORM object at a time: the large size has ten million rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from itertools import islice
from typing import Any

import psycopg
from sqlalchemy import JSON, Engine, Table, func, insert, select, text

from lms import import_models
from lms.extensions import db
from lms.scaledata import credits, discussions, learning
from lms.scaledata.plan import Plan, Size

BATCH = 5_000

COLUMNS: dict[str, tuple[str, ...]] = {
    "user": ("id", "email", "name", "certificate_name", "password_hash", "is_instructor",
             "is_admin", "is_active", "career_stage", "org_type", "session_version",
             "extra_time_percent", "created_at", "last_login_at"),
    "api_token": ("id", "user_id", "name", "token_hash", "created_at", "expires_at",
                  "last_used_at", "revoked_at"),
    "topic": ("id", "slug", "name"),
    "course": ("id", "slug", "title", "summary", "description", "format", "ce_hours",
               "outcomes", "presenters", "recorded_on", "access", "status",
               "certificate_enabled", "certificate_valid_months", "in_order",
               "enrol_window_days", "version", "created_at", "updated_at", "published_at"),
    "course_topic": ("course_id", "topic_id"),
    "course_audience": ("course_id", "career_stage"),
    "course_instructor": ("course_id", "user_id", "added_at"),
    "media_asset": ("id", "storage_backend", "storage_key", "original_name", "content_type",
                    "kind", "size", "checksum", "status", "failure_reason", "duration_seconds",
                    "duration_source", "upload_id", "part_size", "part_count", "uploader_id",
                    "created_at", "ready_at"),
    "module": ("id", "course_id", "title", "position", "prerequisite_id"),
    "item": ("id", "module_id", "kind", "title", "position", "is_required", "body", "media_id",
             "slides_media_id", "transcript", "min_watch_percent"),
    "quiz": ("id", "item_id", "pass_percent", "max_attempts", "cooldown_seconds",
             "time_limit_seconds", "shuffle_questions", "shuffle_choices", "pool_size",
             "feedback_policy", "scoring"),
    "quiz_question": ("id", "quiz_id", "position", "kind", "title", "text_format", "prompt",
                      "points", "explanation", "accepted_answers", "accepted_patterns",
                      "numeric_answers", "pairs"),
    "quiz_choice": ("id", "question_id", "position", "text", "is_correct", "feedback",
                    "weight"),
    "enrollment": ("id", "user_id", "course_id", "enrolled_at", "access_ends_at",
                   "completed_at", "completed_by_id", "completion_reason", "signup_code_id"),
    "item_progress": ("id", "user_id", "item_id", "status", "intervals", "watched_seconds",
                      "percent", "last_position", "first_opened_at", "last_report_at",
                      "completed_at", "set_by_id", "set_reason", "updated_at"),
    "quiz_attempt": ("id", "quiz_id", "user_id", "number", "started_at", "deadline_at",
                     "submitted_at", "snapshot", "answers", "saved_at", "score_percent",
                     "passed", "is_late", "results"),
    "certificate": ("id", "code", "user_id", "course_id", "issued_at", "completed_on", "name",
                    "course_title", "format", "ce_hours", "instructors", "presenters",
                    "evidence", "course_version", "expires_on", "reminded_at", "revoked_at",
                    "revoke_reason", "revoke_category", "revoked_by_id", "pdf_key",
                    "pdf_checksum", "pdf_version"),
    "discussion_thread": ("id", "course_id", "item_id", "author_id", "kind", "title",
                          "is_announcement", "is_locked", "status", "accepted_post_id",
                          "created_at", "last_post_at", "version"),
    "discussion_post": ("id", "thread_id", "author_id", "body", "body_html", "status",
                        "by_instructor", "vote_count", "created_at", "edited_at"),
    "credit_type": ("id", "slug", "name", "unit", "created_at"),
    "credit": ("id", "user_id", "source", "title", "provider", "credit_type_id", "amount",
               "earned_on", "status", "certificate_id", "evidence_media_id", "review_note",
               "reviewed_by_id", "reviewed_at", "created_at", "updated_at"),
    "credit_cycle": ("id", "user_id", "credit_type_id", "required_amount", "starts_on",
                     "ends_on", "updated_at"),
}
#: Optional domains: their tables are seeded only when their models exist.
OPTIONAL = {"quiz", "quiz_question", "quiz_choice", "quiz_attempt", "certificate",
            "discussion_thread", "discussion_post", "credit_type", "credit", "credit_cycle"}

#: ``progress(label, length)`` returns a context manager with ``update(n)``, like click's bar.
ProgressFactory = Callable[[str, int], AbstractContextManager[Any]]


class _Silent:
    def update(self, _count: int) -> None:
        pass


def silent(_label: str, _length: int) -> AbstractContextManager[Any]:
    """A progress factory that shows nothing (tests, scripts)."""
    return nullcontext(_Silent())


def seed(engine: Engine, size: Size, seed_value: int,
         progress: ProgressFactory = silent) -> dict[str, int]:
    """Create the schema if needed and fill an empty database; returns rows per table.

    Raises RuntimeError when the database already has members (nothing is changed).
    """
    import_models()
    db.metadata.create_all(engine)
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(table("user"))):
            raise RuntimeError("the database already has members: seed an empty one")
    writer = Writer(engine, progress)
    for name, rows, total in plan_tables(size, seed_value):
        writer.write(name, rows, total)
    writer.finish()
    return writer.counts


def plan_tables(size: Size, seed_value: int) -> Iterator[tuple[str, Iterable[tuple], int]]:
    """``(table, rows, expected count)`` in the order foreign keys need."""
    plan = Plan(size, seed_value)
    yield "user", plan.user_rows(), size.members + 1
    yield "api_token", plan.token_rows(), size.bench_members + 1
    yield "topic", list(plan.topic_rows()), 0
    plan.build_courses()
    items = size.courses * size.modules * size.items
    yield "course", plan.course_rows(), size.courses
    topics, audience, teachers = plan.course_link_rows()
    yield from (("course_topic", topics, 0), ("course_audience", audience, 0),
                ("course_instructor", teachers, 0))
    media = list(plan.media_rows())
    yield "media_asset", media, len(media)
    yield "module", plan.module_rows(), size.courses * size.modules
    yield "item", plan.item_rows(), items
    yield from zip(("quiz", "quiz_question", "quiz_choice"), learning.quiz_rows(plan),
                   (0, 0, 0), strict=True)
    enrolments = learning.build_enrolments(plan)
    yield "enrollment", learning.enrolment_rows(enrolments), len(enrolments)
    yield "item_progress", learning.progress_rows(plan, enrolments), \
        len(enrolments) * size.modules * size.items
    yield "quiz_attempt", learning.attempt_rows(plan, enrolments), size.attempts
    yield "certificate", learning.certificate_rows(plan, enrolments), size.certificates
    threads, posts = discussions.discussion_rows(plan)
    yield "discussion_thread", threads, len(threads)
    yield "discussion_post", posts, discussions.post_count(plan)
    yield "credit_type", credits.credit_type_rows(), 0
    yield "credit", credits.credit_rows(plan), 0
    yield "credit_cycle", credits.cycle_rows(plan), size.bench_members


def table(name: str) -> Table:
    return db.metadata.tables[name]


class Writer:
    """Writes rows table by table, counting them, with one progress bar per table."""

    def __init__(self, engine: Engine, progress: ProgressFactory) -> None:
        self.engine = engine
        self.progress = progress
        self.counts: dict[str, int] = {}
        self.skipped: list[str] = []
        self.is_postgres = engine.dialect.name == "postgresql"

    def write(self, name: str, rows: Iterable[tuple], total: int) -> None:
        if name not in db.metadata.tables:
            if name not in OPTIONAL:
                raise RuntimeError(f"table {name} is missing from the models")
            self.skipped.append(name)
            return
        if not total:
            rows = list(rows)
            total = len(rows)
        columns, extra = self._columns(name)
        rows = (row + extra for row in rows) if extra else rows
        with self.progress(f"{name:<18}", total) as bar:
            write = self._copy if self.is_postgres else self._insert
            self.counts[name] = write(table(name), columns, rows, bar)

    def _columns(self, name: str) -> tuple[tuple[str, ...], tuple]:
        """Our columns plus scalar defaults of any column added since this was written."""
        ours = COLUMNS[name]
        extra = [c for c in table(name).columns if c.name not in ours]
        missing = [c.name for c in extra if not c.nullable and not _scalar_default(c)]
        if missing:
            raise RuntimeError(f"seed-scale does not know how to fill {name}.{missing}")
        filled = [c for c in extra if _scalar_default(c)]
        return ours + tuple(c.name for c in filled), tuple(c.default.arg for c in filled)

    def _copy(self, target: Table, columns: tuple[str, ...], rows: Iterable[tuple], bar) -> int:
        json_at = [i for i, name in enumerate(columns) if isinstance(target.c[name].type, JSON)]
        names = ", ".join(f'"{name}"' for name in columns)
        raw = self.engine.raw_connection()
        count = 0
        try:
            _skip_foreign_key_triggers(raw)
            with raw.cursor() as cursor, cursor.copy(
                    f'COPY "{target.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i], ensure_ascii=False)
                    copy.write_row(row)
                    count += 1
                    if count % BATCH == 0:
                        bar.update(BATCH)
            raw.commit()
        finally:
            raw.close()
        bar.update(count % BATCH)
        return count

    def _insert(self, target: Table, columns: tuple[str, ...], rows: Iterable[tuple],
                bar) -> int:
        count = 0
        iterator = iter(rows)
        with self.engine.begin() as conn:
            while batch := list(islice(iterator, BATCH)):
                conn.execute(insert(target), [dict(zip(columns, row, strict=True))
                                              for row in batch])
                count += len(batch)
                bar.update(len(batch))
        return count

    def finish(self) -> None:
        """Count what rows keep counted, move id sequences past the seeded ids and
        refresh the planner's statistics."""
        if "discussion_thread" in self.counts:
            from lms.discussions.service import counts_update

            with self.engine.begin() as conn:
                conn.execute(counts_update())
        if self.is_postgres:
            with self.engine.begin() as conn:
                for name in self.counts:
                    if "id" in table(name).c:
                        conn.execute(_restart_sequence(table(name)))
            with self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE"))


def _restart_sequence(target: Table):
    """``setval`` of the table's id sequence to one past the largest id."""
    sequence = func.pg_get_serial_sequence(f'"{target.name}"', "id")
    following = select(func.coalesce(func.max(target.c.id), 0) + 1).scalar_subquery()
    return select(func.setval(sequence, following, False))


def _skip_foreign_key_triggers(raw) -> None:
    """Skip per-row foreign-key triggers in this transaction only.

    The rows are consistent by construction, and the checks cost twice the copy
    itself. Needs a superuser; otherwise the copy runs with the checks.
    """
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except psycopg.Error:
        raw.rollback()


def _scalar_default(column) -> bool:
    return column.default is not None and column.default.is_scalar
