"""The thread page and the thread list send as many statements for 200 posts as for 2."""

from __future__ import annotations

from sqlalchemy import event, insert, update

from lms import memo
from lms.discussions.models import Post, Thread
from lms.extensions import db, utcnow
from tests.discussions.conftest import ask


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
    assert client.get(page).get_data(as_text=True).count('class="post"') == 200


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
