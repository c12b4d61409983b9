"""60 members registering at once for 50 seats on PostgreSQL: exactly 50 seats, 10 waiting.

Each registration locks the session row (``FOR UPDATE``), so the seats are given one
after another however the requests interleave; the counts beside the row agree with
the rows, and each cancellation then promotes exactly one member, in order.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from tests.databases import postgres_database

MEMBERS, SEATS = 60, 50


@pytest.fixture
def pg_app(make_app):
    with postgres_database("lms_live") as url:
        app = make_app(SQLALCHEMY_DATABASE_URI=url, JOBS_EAGER=True,
                       SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 60})
        with app.app_context():
            db.create_all()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _world(app) -> tuple[int, list[int]]:
    from lms.live.models import LiveSession
    from tests.factories import make_course, make_user

    with app.app_context():
        course = make_course(format="webinar")
        starts = datetime.now(UTC) + timedelta(days=3)
        session = LiveSession(course_id=course.id, starts_at=starts,
                              ends_at=starts + timedelta(hours=1), capacity=SEATS,
                              join_url="https://meet.example.org/j/1", min_minutes=45)
        db.session.add(session)
        db.session.commit()
        members = [make_user().id for _ in range(MEMBERS)]
        return session.id, members


def _register_all(app, session_id: int, members: list[int]) -> list[BaseException]:
    from lms.accounts.models import User
    from lms.live.registration import register

    start = threading.Barrier(len(members), timeout=60)
    errors: list[BaseException] = []

    def call(member_id: int) -> None:
        with app.app_context():
            try:
                start.wait()
                register(db.session.get(User, member_id), session_id)
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=call, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _places(session_id: int) -> dict[str, int]:
    from lms.live.models import Registration

    rows = db.session.execute(select(Registration.status, func.count()).where(
        Registration.session_id == session_id).group_by(Registration.status)).all()
    return dict(rows)


def test_sixty_simultaneous_registrations_fill_fifty_seats_and_wait_ten(pg_app):
    from lms.accounts.models import User
    from lms.live.models import LiveSession, Registration
    from lms.live.registration import cancel_registration

    session_id, members = _world(pg_app)
    assert _register_all(pg_app, session_id, members) == []
    with pg_app.app_context():
        assert _places(session_id) == {"registered": SEATS, "waitlisted": MEMBERS - SEATS}
        session = db.session.get(LiveSession, session_id)
        assert (session.registered_count, session.waitlisted_count) == (50, 10)
        waiting = db.session.scalars(select(Registration.user_id).where(
            Registration.session_id == session_id, Registration.status == "waitlisted")
            .order_by(Registration.created_at, Registration.id)).all()
        registered = db.session.scalars(select(Registration.user_id).where(
            Registration.session_id == session_id, Registration.status == "registered")).all()

        for turn in range(3):
            cancel_registration(db.session.get(User, registered[turn]), session_id)
            db.session.commit()
            promoted = db.session.scalars(select(Registration.user_id).where(
                Registration.session_id == session_id,
                Registration.promoted_at.is_not(None))).all()
            assert sorted(promoted) == sorted(waiting[:turn + 1])
            assert _places(session_id) == {"registered": 50, "waitlisted": 9 - turn,
                                           "cancelled": turn + 1}
