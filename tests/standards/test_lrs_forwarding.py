"""The learning record reaches a real LRS (Ralph): every statement once, in the order recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.errors import DomainError
from lms.extensions import db, utcnow
from lms.jobs import TransientError
from lms.progress.models import LearningEvent
from lms.progress.record import record_event
from lms.standards.models import CURSOR_ID, LrsCursor
from lms.standards.service import forward_backlog
from tests.factories import Auth, api_headers, make_course, make_user
from tests.lrsserver import PASSWORD
from tests.standards.conftest import lrs_settings


def recorded() -> list[dict]:
    db.session.rollback()
    return list(db.session.scalars(select(LearningEvent.statement).order_by(LearningEvent.id)))


def ids(statements: list[dict]) -> list[str]:
    return [statement["id"] for statement in statements]


def member_journey(client, courses: int = 3) -> None:
    """A member enrols in courses and reads their one item, through the API."""
    member = make_user()
    headers = api_headers(member)
    for _ in range(courses):
        course = make_course(modules=1, items_per_module=1)
        item_id = course.modules[0].items[0].id
        assert client.post(f"/api/v1/courses/{course.id}/enrollment",
                           headers=headers).status_code == 201
        assert client.get(f"/api/v1/items/{item_id}", headers=headers).status_code == 200
        assert client.post(f"/api/v1/items/{item_id}/progress", json={"completed": True},
                           headers=headers).status_code == 200


def test_a_members_learning_arrives_at_the_lrs_once_in_order(lrs_app, ralph):
    with lrs_app.app_context():
        member_journey(lrs_app.test_client())
        statements = recorded()
        assert {s["verb"]["display"]["en"] for s in statements} >= {"registered", "completed"}
        assert ids(ralph.statements()) == ids(statements)
        stored = ralph.statements()[0]
        assert stored["actor"] == statements[0]["actor"]
        assert stored["object"] == statements[0]["object"]
        assert forward_backlog() == 0  # nothing left, nothing sent twice
        assert ids(ralph.statements()) == ids(statements)


def test_statements_the_lrs_already_holds_are_not_stored_twice(lrs_app, ralph):
    """The LRS stored a batch but its answer was lost: sending it again duplicates nothing."""
    with lrs_app.app_context():
        member_journey(lrs_app.test_client(), courses=2)
        db.session.execute(update(LrsCursor).where(LrsCursor.id == CURSOR_ID)
                           .values(last_event_id=0))
        db.session.commit()
        assert forward_backlog() == len(recorded())
        assert ids(ralph.statements()) == ids(recorded())


def test_the_status_command_shows_the_cursor_and_the_backlog(lrs_app, ralph):
    with lrs_app.app_context():
        member_journey(lrs_app.test_client(), courses=1)
        last_id = db.session.scalar(select(LearningEvent.id).order_by(LearningEvent.id.desc()))
    out = lrs_app.test_cli_runner().invoke(args=["lms", "lrs", "status"]).output
    assert f"last forwarded event: {last_id}" in out
    assert "backlog: 0 events" in out


def test_a_gap_in_event_ids_holds_later_events_back_until_its_grace_period_ends(lrs_app, ralph):
    """A missing event id may still be being recorded: later events wait. A gap still
    open after the grace period was a rollback: it is passed over and forwarding goes on."""
    with lrs_app.app_context():
        member = make_user()
        course = make_course()
        first = record_event(member, "registered", course, now=utcnow())
        db.session.commit()
        later = LearningEvent(id=first.id + 2, statement_id="5b7e2f1e-9a47-4d8e-a1c2-3f5e6d7c8b9a",
                              user_id=member.id, verb="launched", course_id=course.id,
                              timestamp=utcnow(),
                              statement=dict(first.statement, id="5b7e2f1e-9a47-4d8e-a1c2-"
                                             "3f5e6d7c8b9a"))
        db.session.add(later)
        db.session.commit()
        with pytest.raises(TransientError):
            forward_backlog()
        assert ids(ralph.statements()) == [first.statement_id]
        lrs_app.config["LRS_GAP_GRACE_SECONDS"] = 0
        forward_backlog()
        assert ids(ralph.statements()) == [first.statement_id, later.statement_id]


def test_refused_credentials_keep_the_backlog_and_staff_see_why(app, make_app, ralph):
    """Wrong LRS credentials: the member's request still answers, nothing is lost, the
    jobs page says what waits and why; with the right credentials the backlog goes."""
    settings = lrs_settings(ralph) | {"LRS_PASSWORD": "wrong"}
    wrong = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                     MEDIA_DIR=app.config["MEDIA_DIR"], **settings)
    client = wrong.test_client()
    with wrong.app_context():
        member_journey(client, courses=1)
        assert ralph.statements() == []
        admin = make_user(role="admin")
        Auth(client).login(admin.email)
        page = client.get("/admin/jobs").get_data(as_text=True)
        assert f"0 statements forwarded, nothing sent yet; {len(recorded())} waiting" in page
        assert "the LRS answered 401" in page
        wrong.config["LRS_PASSWORD"] = PASSWORD
        assert forward_backlog() == len(recorded())
        assert ids(ralph.statements()) == ids(recorded())


def test_one_forwarder_at_a_time_and_a_stale_lease_is_taken_over(lrs_app, ralph):
    """While another forwarder holds the cursor nothing is sent twice beside it; a
    forwarder that died (its lease expired) leaves the work to the next."""
    with lrs_app.app_context():
        member_journey(lrs_app.test_client(), courses=1)
        db.session.execute(update(LrsCursor).where(LrsCursor.id == CURSOR_ID).values(
            last_event_id=0, lease_token="another", leased_until=utcnow() + timedelta(minutes=1)))
        db.session.commit()
        with pytest.raises(TransientError):
            forward_backlog()
        db.session.execute(update(LrsCursor).where(LrsCursor.id == CURSOR_ID)
                           .values(leased_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert forward_backlog() == len(recorded())
        assert ids(ralph.statements()) == ids(recorded())


def test_an_event_committed_after_a_later_one_still_arrives_first(lrs_app, ralph):
    """PostgreSQL hands out ids before commit: a request still recording event 1 while
    event 2 commits holds event 2 back, and both arrive in id order."""
    with lrs_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite commits ids in order (one writer at a time)")
        member, course = make_user(), make_course()
        early = record_event(member, "registered", course, now=utcnow())
        db.session.flush()  # this request's transaction stays open
        with lrs_app.app_context():  # another request, committed first
            late = record_event(db.session.get(User, member.id), "launched",
                                db.session.get(Course, course.id), now=utcnow())
            db.session.commit()
            late_id = late.statement_id
        assert late.id > early.id
        assert ralph.statements() == []
        db.session.commit()
        assert ids(ralph.statements()) == [early.statement_id, late_id]


def test_a_statement_the_lrs_refuses_stops_forwarding_there_and_staff_see_it(lrs_app, ralph):
    """Nothing after a refused statement is skipped; the ones before it arrive."""
    with lrs_app.app_context():
        member, course = make_user(), make_course()
        lrs_app.config["LRS_URL"] = None  # record without forwarding yet
        events = [record_event(member, "registered", course, now=utcnow()) for _ in range(3)]
        broken = dict(events[1].statement)
        del broken["actor"]
        events[1].statement = broken
        db.session.commit()
        lrs_app.config["LRS_URL"] = ralph.url
        with pytest.raises(DomainError):
            forward_backlog()
        assert ids(ralph.statements()) == [events[0].statement_id]
        out = lrs_app.test_cli_runner().invoke(args=["lms", "lrs", "status"]).output
        assert f"last forwarded event: {events[0].id}" in out
        assert "backlog: 2 events" in out
        assert f"refused statement {events[1].statement_id}" in out
