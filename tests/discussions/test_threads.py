"""Threads and posts: access, hidden posts, locks, votes, answers, edits, sanitising, search."""

from __future__ import annotations

import threading

import pytest

from lms.discussions.models import PostRevision, PostVote
from lms.extensions import db
from tests.discussions.conftest import ask, reply
from tests.factories import api_headers, enrol, make_user


@pytest.mark.parametrize("who, status", [("asker", 200), ("helper", 200), ("instructor", 200),
                                         ("admin", 200), ("outsider", 404)])
def test_only_members_instructors_and_admins_read_and_post(client, room, who, status):
    thread = ask(client, room)
    urls = [f"/api/v1/courses/{room.course.id}/threads", f"/api/v1/threads/{thread['id']}"]
    for url in urls:
        assert client.get(url, headers=room.headers[who]).status_code == status
    posted = client.post(f"/api/v1/threads/{thread['id']}/posts", json={"body": "Hi"},
                         headers=room.headers[who])
    assert posted.status_code == (201 if status == 200 else 404)
    started = client.post(f"/api/v1/courses/{room.course.id}/threads", headers=room.headers[who],
                          json={"title": "T", "body": "B", "kind": "discussion"})
    assert started.status_code == (201 if status == 200 else 404)


def test_anonymous_callers_are_refused(client, room):
    assert client.get(f"/api/v1/courses/{room.course.id}/threads").status_code == 401


def test_hidden_posts_are_invisible_to_members_but_visible_to_moderators(client, room):
    thread = ask(client, room)
    post = reply(client, room, thread["id"], "helper", "Rude words")
    hidden = client.post(f"/api/v1/posts/{post['id']}/hide", headers=room.headers["instructor"])
    assert hidden.status_code == 200 and hidden.get_json()["hidden"] is True
    seen = client.get(f"/api/v1/threads/{thread['id']}", headers=room.headers["asker"]).get_json()
    assert [p["id"] for p in seen["posts"]] == [thread["posts"][0]["id"]]
    for moderator in ("instructor", "admin"):
        seen = client.get(f"/api/v1/threads/{thread['id']}",
                          headers=room.headers[moderator]).get_json()
        assert any(p["id"] == post["id"] and p["hidden"] for p in seen["posts"])
    assert client.post(f"/api/v1/posts/{post['id']}/vote",
                       headers=room.headers["asker"]).status_code == 404
    assert client.post(f"/api/v1/posts/{post['id']}/hide",
                       headers=room.headers["asker"]).status_code in (403, 404)


def test_locked_threads_refuse_posts(client, room):
    thread = ask(client, room)
    assert client.post(f"/api/v1/threads/{thread['id']}/lock",
                       headers=room.headers["asker"]).status_code == 403
    assert client.post(f"/api/v1/threads/{thread['id']}/lock",
                       headers=room.headers["instructor"]).get_json()["locked"] is True
    refused = client.post(f"/api/v1/threads/{thread['id']}/posts", json={"body": "Late"},
                          headers=room.headers["helper"])
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"


def test_votes_one_per_member_not_own_again_removes(client, room):
    thread = ask(client, room)
    post = reply(client, room, thread["id"], "helper")
    url = f"/api/v1/posts/{post['id']}/vote"
    assert client.post(url, headers=room.headers["helper"]).status_code == 403
    assert client.post(url, headers=room.headers["asker"]).get_json() == {"votes": 1}
    assert client.post(url, headers=room.headers["instructor"]).get_json() == {"votes": 2}
    assert client.post(url, headers=room.headers["asker"]).get_json() == {"votes": 1}
    top = client.get(f"/api/v1/courses/{room.course.id}/threads?sort=top",
                     headers=room.headers["asker"]).get_json()["items"][0]
    assert top["votes"] == 1 and top["posts"] == 2


def test_twenty_concurrent_votes_count_once_each(app, client, room, live_server):
    import requests

    thread = ask(client, room)
    post = reply(client, room, thread["id"], "helper")
    voters = [make_user() for _ in range(20)]
    for voter in voters:
        enrol(voter, room.course)
    headers = [api_headers(voter) for voter in voters]
    start = threading.Barrier(20, timeout=30)
    results: list[int] = []

    def vote(header: dict) -> None:
        start.wait()
        response = requests.post(f"{live_server.url}/api/v1/posts/{post['id']}/vote",
                                 headers=header, timeout=30)
        results.append(response.status_code)

    threads = [threading.Thread(target=vote, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [200] * 20
    db.session.expire_all()
    count = db.session.scalar(db.select(db.func.count()).select_from(PostVote))
    shown = client.get(f"/api/v1/threads/{thread['id']}", headers=room.headers["asker"])
    assert count == 20 and shown.get_json()["posts"][1]["votes"] == 20


def test_accept_by_asker_or_instructor_marks_answered(client, room):
    thread = ask(client, room)
    post = reply(client, room, thread["id"], "instructor")
    other = reply(client, room, thread["id"], "helper")
    assert post["by_instructor"] is True and other["by_instructor"] is False
    assert client.post(f"/api/v1/posts/{post['id']}/accept",
                       headers=room.headers["helper"]).status_code == 403
    assert client.post(f"/api/v1/posts/{thread['posts'][0]['id']}/accept",
                       headers=room.headers["asker"]).status_code == 409
    unanswered = client.get(f"/api/v1/courses/{room.course.id}/threads?sort=unanswered",
                            headers=room.headers["instructor"]).get_json()
    assert unanswered["total"] == 1
    accepted = client.post(f"/api/v1/posts/{post['id']}/accept", headers=room.headers["asker"])
    assert accepted.status_code == 200 and accepted.get_json()["answered"] is True
    assert [p["accepted"] for p in accepted.get_json()["posts"]] == [False, True, False]
    assert client.get(f"/api/v1/courses/{room.course.id}/threads?sort=unanswered",
                      headers=room.headers["instructor"]).get_json()["total"] == 0
    assert client.post(f"/api/v1/posts/{other['id']}/accept",
                       headers=room.headers["instructor"]).status_code == 200


def test_edits_keep_history_and_only_the_author_edits(client, room):
    thread = ask(client, room)
    post_id = thread["posts"][0]["id"]
    assert client.patch(f"/api/v1/posts/{post_id}", json={"body": "x"},
                        headers=room.headers["helper"]).status_code == 403
    edited = client.patch(f"/api/v1/posts/{post_id}", json={"body": "Which *element*?"},
                          headers=room.headers["asker"])
    assert edited.status_code == 200 and edited.get_json()["edited_at"]
    assert "<em>element</em>" in edited.get_json()["body_html"]
    revisions = db.session.scalars(db.select(PostRevision)).all()
    assert [r.body for r in revisions] == ["Which **element** holds them?"]


def test_markdown_is_sanitised_and_links_are_marked_ugc(client, room):
    nasty = ('<script>alert(1)</script><iframe src="https://evil.example"></iframe>'
             '<img src=x onerror="alert(2)"> [click](javascript:alert(3)) '
             '<a href="javascript:alert(4)">raw</a> '
             '<a href="https://example.org" onclick="x()">site</a>')
    thread = ask(client, room, body=nasty)
    html = thread["posts"][0]["body_html"]
    for bad in ("<script", "<iframe", "onerror", "onclick", 'href="javascript:'):
        assert bad not in html
    assert 'rel="nofollow ugc noopener"' in html


def test_threads_filter_by_item_and_kind(client, room):
    ask(client, room)
    ask(client, room, title="Course-wide chat", kind="discussion", item_id=None)
    url = f"/api/v1/courses/{room.course.id}/threads"
    by_item = client.get(f"{url}?item_id={room.item.id}", headers=room.headers["helper"])
    assert [t["title"] for t in by_item.get_json()["items"]] == ["How do I map creators?"]
    talks = client.get(f"{url}?kind=discussion", headers=room.headers["helper"]).get_json()
    assert [t["kind"] for t in talks["items"]] == ["discussion"]
    assert client.get(f"{url}?sort=nonsense", headers=room.headers["helper"]).status_code == 422


def test_full_text_search_over_titles_and_posts(client, room):
    first = ask(client, room, title="Authority records", body="About names.")
    reply(client, room, first["id"], "helper", "Look at the VIAF clusters.")
    ask(client, room, title="Subject headings", body="LCSH or FAST?")
    url = f"/api/v1/courses/{room.course.id}/threads?q="
    titles = lambda q: [t["title"] for t in client.get(  # noqa: E731
        url + q, headers=room.headers["asker"]).get_json()["items"]]
    assert titles("authority") == ["Authority records"]
    assert titles("viaf") == ["Authority records"]
    assert titles("headings") == ["Subject headings"]
    assert titles('"zebra quilts" -thing OR (') == []


def test_first_posts_held_for_review_when_the_course_asks(client, room, auth):
    from lms.discussions.service import set_hold_first_posts

    set_hold_first_posts(room.instructor, room.course.id, True)
    db.session.commit()
    thread = ask(client, room, who="helper")
    assert thread["posts"][0]["held"] is True
    listed = client.get(f"/api/v1/courses/{room.course.id}/threads",
                        headers=room.headers["asker"]).get_json()
    assert listed["total"] == 0
    assert client.get(f"/api/v1/threads/{thread['id']}",
                      headers=room.headers["asker"]).status_code == 404
    auth.login(room.instructor.email)
    queue = client.get("/discussions/moderation").get_data(as_text=True)
    assert thread["title"].replace("?", "") in queue
    auth.post(f"/discussions/posts/{thread['posts'][0]['id']}/approve", {"back": "queue"})
    assert client.get(f"/api/v1/threads/{thread['id']}",
                      headers=room.headers["asker"]).status_code == 200
    second = reply(client, room, thread["id"], "helper", "Now I am trusted.")
    assert second["held"] is False


def test_reports_reach_the_moderation_queue(client, room, auth):
    thread = ask(client, room)
    post = reply(client, room, thread["id"], "helper", "Buy cheap watches")
    assert client.post(f"/api/v1/posts/{post['id']}/report", json={"reason": "Spam"},
                       headers=room.headers["asker"]).status_code == 201
    auth.login(room.instructor.email)
    page = client.get("/discussions/moderation").get_data(as_text=True)
    assert "Spam" in page and "Buy cheap watches" in page
    auth.logout()
    auth.login(room.asker.email)
    assert client.get("/discussions/moderation").status_code == 403


def test_posting_is_rate_limited_per_member(app, client, room, monkeypatch):
    monkeypatch.setitem(app.config, "DISCUSSION_POST_LIMIT", "3/minute")
    thread = ask(client, room)
    reply(client, room, thread["id"], "asker")
    reply(client, room, thread["id"], "asker")
    limited = client.post(f"/api/v1/threads/{thread['id']}/posts", json={"body": "more"},
                          headers=room.headers["asker"])
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    reply(client, room, thread["id"], "helper")


def test_pages_show_threads_and_the_player_lists_the_items_questions(client, room, auth):
    thread = ask(client, room)
    auth.login(room.helper.email)
    course_page = client.get(f"/courses/{room.course.slug}/discussions")
    assert course_page.status_code == 200 and thread["title"] in course_page.get_data(True)
    player = client.get(f"/learn/{room.course.slug}/items/{room.item.id}").get_data(True)
    assert thread["title"] in player and "Ask a question" in player
    page = client.get(f"/discussions/{thread['id']}").get_data(True)
    assert "<strong>element</strong>" in page
    auth.post(f"/discussions/{thread['id']}/posts", {"body": "Answer from the page"})
    assert "Answer from the page" in client.get(f"/discussions/{thread['id']}").get_data(True)
    auth.logout()
    auth.login(room.outsider.email)
    assert client.get(f"/discussions/{thread['id']}").status_code == 404
    assert client.get(f"/courses/{room.course.slug}/discussions").status_code == 404
