"""Notifications: one immediate email per reply per subscriber, the daily digest, unsubscribe."""

from __future__ import annotations

import re
from datetime import timedelta

from lms.discussions import notify
from lms.extensions import db, utcnow
from tests.discussions.conftest import ask, reply


def unsubscribe_link(message) -> str:
    return re.search(r"https?://\S+/unsubscribe/\S+", message.get_content()).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_exactly_one_immediate_email_per_reply_per_subscriber(client, room, mail_server):
    thread = ask(client, room)
    reply(client, room, thread["id"], "helper")  # the asker is told
    reply(client, room, thread["id"], "instructor")  # asker and helper are told
    assert len(mail_server.to(room.asker.email)) == 2
    assert len(mail_server.to(room.helper.email)) == 1
    assert mail_server.to(room.instructor.email) == []  # nobody replied after them
    message = mail_server.to(room.helper.email)[0]
    assert "replied" in message["Subject"]
    assert message["List-Unsubscribe"].startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in message.get_content()
    # Sending the same reply's mails again (a retried job) sends nothing twice.
    from lms.discussions.models import Post, Thread

    post = db.session.get(Post, thread["id"] and reply(client, room, thread["id"], "helper")["id"])
    before = len(mail_server.to(room.asker.email))
    notify._mail_now(notify._add(room.asker.id, "reply", db.session.get(Thread, thread["id"]),
                                 post, "again"), f"reply:{post.id}:{room.asker.id}")
    db.session.commit()
    assert len(mail_server.to(room.asker.email)) == before


def test_in_app_list_and_unread_count_in_the_header(client, room, auth):
    thread = ask(client, room)
    reply(client, room, thread["id"], "instructor", "The answer")
    auth.login(room.asker.email)
    home = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 unread"' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "Irene Instructor replied" in page
    auth.post("/notifications/read")
    assert "unread" not in client.get("/").get_data(as_text=True).split("</header>")[0]


def test_daily_digest_collects_a_days_replies_once(client, room, mail_server):
    client.put("/api/v1/me/notifications", json={"replies": "daily", "announcements": True},
               headers=room.headers["asker"])
    thread = ask(client, room)
    reply(client, room, thread["id"], "helper", "First")
    reply(client, room, thread["id"], "instructor", "Second")
    assert mail_server.to(room.asker.email) == []
    assert notify.send_digests(utcnow() + timedelta(seconds=1)) == 1
    db.session.commit()
    digests = mail_server.to(room.asker.email)
    assert len(digests) == 1 and "2 new" in digests[0]["Subject"]
    assert digests[0]["List-Unsubscribe"]
    assert notify.send_digests() == 0
    db.session.commit()
    assert len(mail_server.to(room.asker.email)) == 1


def test_digest_command_queues_one_job_per_day(runner, room, mail_server, client):
    client.put("/api/v1/me/notifications", json={"replies": "daily", "announcements": True},
               headers=room.headers["asker"])
    thread = ask(client, room)
    reply(client, room, thread["id"], "helper")
    assert "digest queued" in runner.invoke(args=["lms", "discussions", "send-digest"]).output
    runner.invoke(args=["lms", "discussions", "send-digest"])
    assert len(mail_server.to(room.asker.email)) == 1


def test_unsubscribe_works_without_login_and_only_for_its_address(client, room, mail_server):
    thread = ask(client, room)
    reply(client, room, thread["id"], "helper")
    link = path_of(unsubscribe_link(mail_server.to(room.asker.email)[0]))
    assert client.get(link).status_code == 200  # a page with the button; GET changes nothing
    assert notify.preferences(room.asker.id).replies == "immediate"
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.post(tampered).status_code == 404
    forged = notify._serializer().dumps({"u": room.helper.id, "e": room.asker.email,
                                         "t": "replies"})
    assert client.post(f"/unsubscribe/{forged}").status_code == 404
    assert client.post(link).status_code == 200  # no login, no CSRF token: one click
    db.session.expire_all()
    assert notify.preferences(room.asker.id).replies == "off"
    assert notify.preferences(room.helper.id).replies == "immediate"
    reply(client, room, thread["id"], "instructor")
    assert len(mail_server.to(room.asker.email)) == 1


def test_a_changed_address_voids_old_links(client, room):
    token = notify.unsubscribe_token(room.asker, "replies")
    room.asker.email = "new-address@example.org"
    db.session.commit()
    assert client.post(f"/unsubscribe/{token}").status_code == 404


def test_accepted_answers_and_announcements_notify(client, room, mail_server):
    thread = ask(client, room)
    post = reply(client, room, thread["id"], "helper")
    client.post(f"/api/v1/posts/{post['id']}/accept", headers=room.headers["asker"])
    assert any("accepted" in m["Subject"] for m in mail_server.to(room.helper.email))
    client.put("/api/v1/me/notifications", json={"replies": "off", "announcements": False},
               headers=room.headers["helper"])
    before = len(mail_server.to(room.helper.email))
    refused = client.post(f"/api/v1/courses/{room.course.id}/threads", headers=room.headers[
        "asker"], json={"title": "News", "body": "x", "kind": "discussion", "announce": True})
    assert refused.status_code == 403
    ask(client, room, who="instructor", title="Live session moved", kind="discussion",
        announce=True, item_id=None)
    assert any("Live session moved" in m["Subject"] for m in mail_server.to(room.asker.email))
    assert len(mail_server.to(room.helper.email)) == before


def test_notification_settings_are_validated(client, room):
    bad = client.put("/api/v1/me/notifications", json={"replies": "hourly",
                                                       "announcements": True},
                     headers=room.headers["asker"])
    assert bad.status_code == 422 and "replies" in bad.get_json()["errors"]
    good = client.put("/api/v1/me/notifications", json={"replies": "daily",
                                                        "announcements": False},
                      headers=room.headers["asker"])
    assert good.get_json() == {"replies": "daily", "announcements": False}
