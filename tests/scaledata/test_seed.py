"""``seed-scale`` loads what its size says, the same rows for the same seed."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from lms.extensions import db
from lms.scaledata.plan import SIZES
from lms.scaledata.seed import COLUMNS, seed

TINY = SIZES["tiny"]


@pytest.fixture
def seeded(tmp_path, app):
    """``seeded(seed)`` → an engine on a fresh SQLite file holding tiny data for that seed."""
    engines = []

    def build(seed_value: int):
        engine = create_engine(f"sqlite:///{tmp_path / f'seed-{len(engines)}.db'}")
        engines.append(engine)
        seed(engine, TINY, seed_value)
        return engine

    yield build
    for engine in engines:
        engine.dispose()


def dump(engine) -> dict[str, list[tuple]]:
    """Every seeded table's rows in primary-key order."""
    with engine.connect() as conn:
        return {name: conn.execute(select(db.metadata.tables[name]).order_by(
            *db.metadata.tables[name].primary_key.columns)).all()
            for name in COLUMNS if name in db.metadata.tables}


def count(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(db.metadata.tables[name]))


def test_same_seed_same_rows_other_seed_other_rows(seeded):
    first, again, other = seeded(7), seeded(7), seeded(8)
    assert dump(first) == dump(again)
    assert dump(first)["user"] != dump(other)["user"]


def test_tiny_loads_what_it_says(seeded):
    engine = seeded(1)
    items_per_course = TINY.modules * TINY.items
    assert count(engine, "user") == TINY.members + 1  # and one staff account
    assert count(engine, "course") == TINY.courses
    assert count(engine, "item") == TINY.courses * items_per_course
    assert count(engine, "enrollment") == TINY.enrolments
    assert count(engine, "item_progress") == TINY.enrolments * items_per_course
    assert count(engine, "api_token") == TINY.bench_members + 1
    for name, most in (("quiz_attempt", TINY.attempts), ("certificate", TINY.certificates)):
        if name in db.metadata.tables:
            assert 0 < count(engine, name) <= most
    with engine.connect() as conn:
        big = conn.scalar(select(func.count()).where(
            db.metadata.tables["enrollment"].c.course_id == 1))
    assert big >= TINY.big_course_members
    threads, posts = db.metadata.tables["discussion_thread"], db.metadata.tables["discussion_post"]
    with engine.connect() as conn:
        per_course = conn.execute(select(threads.c.course_id, func.count()).group_by(
            threads.c.course_id)).all()
        long_thread = conn.scalar(select(func.count()).where(posts.c.thread_id == 1))
    assert per_course and all(n == 20 for _course, n in per_course)
    assert long_thread == 200


def test_every_video_has_ready_media_with_a_duration(seeded):
    engine = seeded(1)
    item, media = db.metadata.tables["item"], db.metadata.tables["media_asset"]
    with engine.connect() as conn:
        rows = conn.execute(select(media.c.status, media.c.duration_seconds)
                            .join(item, item.c.media_id == media.c.id)
                            .where(item.c.kind == "video")).all()
    assert rows and all(status == "ready" and duration > 0 for status, duration in rows)


def test_refuses_a_database_that_has_members(seeded):
    engine = seeded(1)
    with pytest.raises(RuntimeError, match="already has members"):
        seed(engine, TINY, 1)


def test_the_command_seeds_the_database_it_is_given_and_says_how_to_log_in(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    result = runner.invoke(args=["lms", "seed-scale", "--size", "tiny", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert f"{'user':<18} {TINY.members + 1:>10,}" in result.output
    assert "Seeded tiny (seed 1)" in result.output and "password: " in result.output
    again = runner.invoke(args=["lms", "seed-scale", "--size", "tiny", "--database-url", url])
    assert again.exit_code == 1 and "already has members" in again.output


def test_the_ledger_gets_three_external_credits_per_member_and_one_per_certificate(seeded):
    engine = seeded(1)
    credit = db.metadata.tables["credit"]
    with engine.connect() as conn:
        external = conn.execute(select(credit.c.user_id, func.count()).where(
            credit.c.source == "external").group_by(credit.c.user_id)).all()
        from_certificates = conn.scalar(select(func.count()).where(
            credit.c.source == "certificate"))
        statuses = set(conn.scalars(select(credit.c.status).distinct()))
    assert len(external) == TINY.members and {n for _user, n in external} == {3}
    assert from_certificates == count(engine, "certificate")
    assert {"approved", "pending"} <= statuses
    assert count(engine, "credit_type") == 2


def test_threads_keep_the_counts_of_their_seeded_posts(seeded):
    from lms.discussions.models import Post, Thread

    engine = seeded(1)
    counted = (select(Post.thread_id, func.count(), func.sum(Post.vote_count))
               .where(Post.status == "visible").group_by(Post.thread_id))
    with engine.connect() as conn:
        kept = conn.execute(select(Thread.id, Thread.post_count, Thread.vote_count)
                            .order_by(Thread.id)).all()
        posts = {row[0]: tuple(row[1:]) for row in conn.execute(counted)}
    assert kept and all(posts[thread_id] == (posts_n, votes) for thread_id, posts_n, votes in kept)
    assert max(posts_n for _id, posts_n, _votes in kept) == 200  # course 1's long thread
