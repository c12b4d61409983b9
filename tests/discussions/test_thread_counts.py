"""Members' thread lists read the counts kept on the thread row; moderators' count posts.
Both ways give a member the same numbers, whatever happened to the thread's posts."""

from __future__ import annotations

import pytest

from lms.discussions import moderation, reading, service
from lms.discussions.service import set_hold_first_posts
from lms.extensions import db
from tests.databases import postgres_database
from tests.discussions.conftest import ask, reply
from tests.factories import api_headers, enrol, make_course, make_user


def listed(client, room, who: str, sort: str = "recent") -> dict[int, tuple[int, int]]:
    items = client.get(f"/api/v1/courses/{room.course.id}/threads?sort={sort}",
                       headers=room.headers[who]).get_json()["items"]
    return {item["id"]: (item["posts"], item["votes"]) for item in items}


def both_ways(room, user, sort: str) -> tuple[list, list]:
    """A member's list through the kept counts and through counting their posts."""
    filtered = reading._filtered(False, False, None, sort)
    params = {"course_id": room.course.id, "user_id": user.id, "item_id": None,
              "limit": 50, "offset": 0}
    return tuple([tuple(row) for row in db.session.execute(
        reading._paged(reading._summaries(filtered, False, sort, None, kept=kept)), params)]
        for kept in (True, False))


@pytest.fixture
def busy(client, room):
    """Two threads with replies, votes, a hidden reply and a newcomer's held reply."""
    first = ask(client, room)
    second = ask(client, room, who="helper", title="Which vocabulary?", kind="discussion")
    helped = reply(client, room, first["id"], "helper")
    taught = reply(client, room, first["id"], "instructor")
    reply(client, room, second["id"], "asker")
    for who, post in (("asker", helped), ("helper", taught), ("instructor", helped)):
        client.post(f"/api/v1/posts/{post['id']}/vote", headers=room.headers[who])
    client.post(f"/api/v1/posts/{helped['id']}/hide", headers=room.headers["instructor"])
    newcomer = make_user(name="Nia Newcomer")
    enrol(newcomer, room.course)
    room.headers["newcomer"] = api_headers(newcomer)
    set_hold_first_posts(room.instructor, room.course.id, True)
    db.session.commit()
    held = reply(client, room, first["id"], "newcomer", "Is dc:contributor the same?")
    client.post(f"/api/v1/posts/{taught['id']}/vote", headers=room.headers["newcomer"])
    return first, second, held, newcomer


def test_members_see_visible_posts_and_their_own_and_moderators_every_post(client, room, busy):
    first, second, held, _newcomer = busy
    assert held["held"] is True
    assert listed(client, room, "asker")[first["id"]] == (2, 2)  # question, instructor's
    assert listed(client, room, "helper")[first["id"]] == (3, 4)  # and their hidden reply
    assert listed(client, room, "newcomer")[first["id"]] == (3, 2)  # and their held reply
    assert listed(client, room, "instructor")[first["id"]] == (4, 4)
    assert listed(client, room, "asker")[second["id"]] == (2, 0)


@pytest.mark.parametrize("sort", reading.SORTS)
def test_kept_counts_and_counted_posts_agree_for_every_member(client, room, busy, sort):
    *_threads, newcomer = busy
    for user in (room.asker, room.helper, newcomer):
        kept, counted = both_ways(room, user, sort)
        assert kept == counted and kept


def test_approving_and_unhiding_move_the_kept_counts(client, room, busy):
    first, _second, held, _newcomer = busy
    shown = client.get(f"/api/v1/threads/{first['id']}", headers=room.headers["instructor"])
    hidden = next(post for post in shown.get_json()["posts"] if post["hidden"])
    moderation.approve(room.instructor, held["id"])
    db.session.commit()
    client.post(f"/api/v1/posts/{hidden['id']}/hide", json={"hidden": False},
                headers=room.headers["instructor"])
    assert listed(client, room, "asker")[first["id"]] == (4, 4)


def test_postgresql_lists_from_the_driver_as_from_the_session(make_app):
    """PostgreSQL reads lists on the driver's cursor; the session gives the same rows."""
    with postgres_database("lms_thread_lists") as url:
        pg_app = make_app(SQLALCHEMY_DATABASE_URI=url)
        with pg_app.app_context():
            db.create_all()
            teacher, member, other = (make_user(role="instructor"), make_user(), make_user())
            course = make_course(instructors=[teacher])
            for who in (member, other):
                enrol(who, course)
            first = service.create_thread(member, course.id, title="Creators?", body="Which?",
                                          kind="question")
            welcome = service.create_thread(teacher, course.id, title="Welcome", body="Hello",
                                  kind="discussion", announce=True)
            answer = service.add_post(other, first.id, "Use **dc:creator**.")
            service.vote(member, answer.id)
            db.session.commit()
            for moderator, user in ((False, member), (True, teacher)):
                for sort in reading.SORTS:
                    statement = reading._list_statement(moderator, False, None, sort)
                    params = {"course_id": course.id, "user_id": user.id, "item_id": None,
                              "limit": 20, "offset": 0}
                    driver = reading.listed_rows(statement, params)
                    session = [tuple(row) for row in db.session.execute(statement, params)]
                    assert driver == session
                    shown = {row[0]: row[6:8] for row in driver}
                    assert shown == {first.id: (2, 1)} | (
                        {} if sort == "unanswered" else {welcome.id: (1, 0)})
