"""The site header: links per role (built once per role), and the page CSRF token."""

from __future__ import annotations

import re

from lms import web
from tests.factories import csrf_from, make_user


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return re.findall(r">([A-Z][A-Za-z ]+)</(?:a|button)>", nav)


def test_each_role_sees_its_own_links_whoever_came_first(client, auth, app_ctx):
    admin, member = make_user(role="admin"), make_user()
    auth.login(admin.email)
    admin_links = nav_labels(client.get("/").get_data(as_text=True))
    auth.logout()
    auth.login(member.email)
    member_links = nav_labels(client.get("/").get_data(as_text=True))
    auth.logout()
    anonymous = nav_labels(client.get("/").get_data(as_text=True))
    assert admin_links == ["Courses", "Webinars", "My learning", "Certificates", "Colleagues",
                           "Studio", "Reports", "Staff", "Notifications", "Profile", "Log out"]
    assert member_links == ["Courses", "Webinars", "My learning", "Certificates", "Colleagues",
                            "Notifications", "Profile", "Log out"]
    assert anonymous == ["Courses", "Webinars", "Log in", "Register"]


def test_pages_share_a_signed_token_for_five_minutes_and_it_works(app, client, auth, app_ctx,
                                                                  monkeypatch):
    from flask_wtf import csrf

    signed = []
    real_generate = csrf.generate_csrf

    def counting(*args, **kwargs):
        signed.append(1)
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(csrf, "generate_csrf", counting)
    auth.login(make_user().email)
    signed.clear()
    first = csrf_from(client.get("/my-learning").get_data(as_text=True))
    assert csrf_from(client.get("/courses").get_data(as_text=True)) == first
    assert len(signed) <= 1
    clock = web.time.monotonic() + web.CSRF_TOKEN_REUSE_SECONDS + 1
    monkeypatch.setattr(web.time, "monotonic", lambda: clock)
    client.get("/my-learning")
    assert len(signed) == 2, "a token kept five minutes is signed again"
    # The kept token still works: it was signed within the time limit.
    assert client.post("/logout", data={"csrf_token": first}).status_code in (302, 303)
    assert "Log in" in client.get("/").get_data(as_text=True)
