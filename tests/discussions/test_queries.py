"""The thread page and the thread list send as many statements for 200 posts as for 2."""

from __future__ import annotations

import re

from sqlalchemy import event, insert, update

from lms import memo
from lms.discussions.models import Post, Thread
from lms.extensions import db, utcnow
from tests.discussions.conftest import ask
from tests.factories import csrf_from


def statements(client, url: str) -> int:
    found: list[str] = []

    def listener(*args) -> None:
        found.append(args[2])

    db.session.expunge_all()
    memo.clear_all()  # count the cold path: rendered threads are otherwise kept
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(found)


def add_posts(thread_id: int, author_id: int, count: int) -> None:
    now = utcnow()
    db.session.execute(insert(Post), [
        {"thread_id": thread_id, "author_id": author_id, "body": f"Post {n}",
         "body_html": f"<p>Post {n}</p>", "status": "visible", "created_at": now}
        for n in range(count)])
    db.session.execute(update(Thread).where(Thread.id == thread_id).values(
        version=Thread.version + 1))
    db.session.commit()


def add_threads(course_id: int, author_id: int, count: int) -> None:
    now = utcnow()
    db.session.execute(insert(Thread), [
        {"course_id": course_id, "author_id": author_id, "kind": "discussion",
         "title": f"Thread {n}", "status": "visible", "created_at": now, "last_post_at": now}
        for n in range(count)])
    db.session.commit()


def test_thread_page_and_list_statements_do_not_grow(client, room, auth):
    thread = ask(client, room)
    helper_id, course_id, headers = room.helper.id, room.course.id, room.headers["asker"]
    auth.login(room.asker.email)
    page, listing = f"/discussions/{thread['id']}", f"/courses/{room.course.slug}/discussions"
    api = f"/api/v1/threads/{thread['id']}"
    few = [statements(client, url) for url in (page, listing)]
    add_posts(thread["id"], helper_id, 199)
    add_threads(course_id, helper_id, 40)
    many = [statements(client, url) for url in (page, listing)]
    assert few == many
    assert many[0] <= 10 and many[1] <= 10
    shown = client.get(api, headers=headers).get_json()
    assert len(shown["posts"]) == 200
    db.session.expunge_all()
    # The HTML page shows 50 posts a page; the four pages hold what the API lists, in order.
    pages = [client.get(f"{page}?page={n}").get_data(as_text=True) for n in (1, 2, 3, 4)]
    assert [html.count('class="post"') for html in pages] == [50, 50, 50, 50]
    on_pages = [int(found) for html in pages for found in re.findall(r'<li id="post-(\d+)"', html)]
    assert on_pages == [post["id"] for post in shown["posts"]]
    assert 'aria-current="page">Page 2<' in pages[1]
    assert client.get(f"{page}?page=5").status_code == 404


def test_a_kept_thread_page_shows_every_change(client, room, auth):
    thread = ask(client, room)
    auth.login(room.helper.email)
    page = f"/discussions/{thread['id']}"
    assert "0 votes" in client.get(page).get_data(as_text=True)
    post = client.post(f"/api/v1/threads/{thread['id']}/posts", json={"body": "Fresh reply"},
                       headers=room.headers["instructor"]).get_json()
    assert "Fresh reply" in client.get(page).get_data(as_text=True)
    client.post(f"/api/v1/posts/{post['id']}/vote", headers=room.headers["asker"])
    assert "1 vote<" in client.get(page).get_data(as_text=True)
    client.post(f"/api/v1/posts/{post['id']}/hide", headers=room.headers["instructor"])
    assert "Fresh reply" not in client.get(page).get_data(as_text=True)


def test_every_way_to_a_post_lands_on_its_page(client, room, auth):
    thread = ask(client, room)
    add_posts(thread["id"], room.helper.id, 60)
    auth.login(room.asker.email)
    page = f"/discussions/{thread['id']}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    reply = client.post(f"{page}/posts", data={"body": "The sixty-second post",
                                               "csrf_token": token})
    post_id = int(reply.headers["Location"].split("post=")[1].split("#")[0])
    landing = client.get(reply.headers["Location"])
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith(f"{page}?page=2#post-{post_id}")
    assert "The sixty-second post" in client.get(f"{page}?page=2").get_data(as_text=True)
    first = client.get(f"{page}?post=1")
    assert first.headers["Location"].split("#")[0].endswith(page)


def test_a_member_and_the_header_agree_with_the_counted_notifications(client, room, auth):
    from lms.accounts.models import User
    from lms.discussions import notify

    thread = ask(client, room)
    asker_id, asker_email = room.asker.id, room.asker.email
    for n in range(3):
        client.post(f"/api/v1/threads/{thread['id']}/posts", json={"body": f"Reply {n}"},
                    headers=room.headers["helper"])

    def both() -> tuple[int, int]:
        db.session.expunge_all()
        return (db.session.get(User, asker_id).unread_notifications,
                notify.unread_count(asker_id))

    assert both() == (3, 3)
    auth.login(asker_email)
    assert 'aria-label="3 unread"' in client.get("/").get_data(as_text=True)
    first = db.session.scalars(db.select(notify.Notification.id).where(
        notify.Notification.user_id == asker_id)).first()
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    client.post("/notifications/read", data={"id": first, "csrf_token": token})
    client.post("/notifications/read", data={"id": first, "csrf_token": token})
    assert both() == (2, 2)
    client.post("/notifications/read", data={"csrf_token": token})
    assert both() == (0, 0)
